// The address bar as state: pages render from `router.path`, links call
// `router.go()`, and back/forward update it. History routing, so the links in
// emails (/verify-email#token=…) open the right page directly.

export class Router {
  path = $state('/');
  search = $state('');
  hash = $state('');
  /**
   * Bumped when the browser arrives at a new one-time link (#token=…) without
   * leaving the page, e.g. a reset link opened in the tab already showing the
   * reset form: pages key on it to start over with the new token.
   */
  visit = $state(0);

  constructor(private readonly win: Window | null = typeof window === 'undefined' ? null : window) {
    if (!win) return;
    this.#read();
    win.addEventListener('popstate', () => {
      const before = this.hash;
      this.#read();
      if (this.hash !== before && this.hash.includes('token=')) this.visit++;
    });
  }

  go(to: string, options: { replace?: boolean } = {}): void {
    if (!this.win) return;
    if (options.replace) this.win.history.replaceState(null, '', to);
    else this.win.history.pushState(null, '', to);
    this.#read();
    this.win.scrollTo(0, 0);
  }

  query(name: string): string | null {
    return new URLSearchParams(this.search).get(name);
  }

  #read(): void {
    const { pathname, search, hash } = this.win!.location;
    this.path = pathname;
    this.search = search;
    this.hash = hash;
  }
}

export const router = new Router();

/** For `<a href onclick={link}>`: in-app navigation without a page load, keeping new-tab clicks. */
export function link(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || anchor.target)
    return;
  event.preventDefault();
  router.go(anchor.getAttribute('href') ?? '/');
}
