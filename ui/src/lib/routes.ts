// Path patterns for the SPA's pages: "/portal/properties/:id" matches
// "/portal/properties/p-1" with { id: 'p-1' }. Pure, so it is tested without a
// browser; the router store applies it to the address bar.

export type Params = Record<string, string>;

export function matchPath(pattern: string, path: string): Params | null {
  const want = split(pattern);
  const have = split(path);
  if (want.length !== have.length) return null;
  const params: Params = {};
  for (const [i, part] of want.entries()) {
    const value = have[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) return null;
  }
  return params;
}

const split = (path: string) => path.replace(/\/+$/, '').split('/').filter(Boolean);

/** The first route whose pattern matches, with its params. */
export function resolve<R extends { path: string }>(
  routes: readonly R[],
  path: string,
): { route: R; params: Params } | null {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

/** Only same-site paths may be a redirect target after sign-in (no open redirects). */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}
