import { describe, expect, it } from 'vitest';
import { Api, ApiError, friendlyMessage } from '../../ui/src/lib/api.ts';
import { tokenFromHash } from '../../ui/src/lib/auth-api.ts';
import { matchPath, resolve, safeNext } from '../../ui/src/lib/routes.ts';

type Call = { url: string; init: RequestInit };

/** A scripted server: answers in order and records what the client sent. */
function server(...answers: Response[]) {
  const calls: Call[] = [];
  const fetchImpl = async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${url}`);
    return next;
  };
  return { calls, api: new Api(fetchImpl) };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const problem = (status: number, code: string, detail?: string) =>
  json(
    status,
    { type: 'about:blank', title: 't', status, code, detail, instance: 'urn:request:r1' },
    'application/problem+json',
  );
const header = (call: Call, name: string) => (call.init.headers as Record<string, string>)[name];

describe('Api', () => {
  it('fetches a CSRF token once and sends it on every state-changing request', async () => {
    const { calls, api } = server(
      json(200, { token: 'tok' }),
      json(200, { a: 1 }),
      json(200, { b: 2 }),
    );
    expect(await api.post('/api/x', { v: 1 })).toEqual({ a: 1 });
    expect(await api.post('/api/y')).toEqual({ b: 2 });
    expect(calls.map((c) => c.url)).toEqual(['/api/csrf', '/api/x', '/api/y']);
    expect(header(calls[1]!, 'x-csrf-token')).toBe('tok');
    expect(calls[1]!.init.body).toBe('{"v":1}');
    expect(header(calls[2]!, 'content-type')).toBeUndefined();
  });

  it('refreshes a refused CSRF token and retries once', async () => {
    const { calls, api } = server(
      json(200, { token: 'old' }),
      problem(403, 'CSRF_TOKEN_INVALID'),
      json(200, { token: 'new' }),
      json(200, { ok: true }),
    );
    expect(await api.post('/api/x', {})).toEqual({ ok: true });
    expect(header(calls[3]!, 'x-csrf-token')).toBe('new');
  });

  it('turns problem+json into an ApiError with the code and our friendly words', async () => {
    const { api } = server(
      json(200, { token: 't' }),
      problem(401, 'INVALID_CREDENTIALS', 'Wrong username or password.'),
    );
    const error = await api.post('/api/auth/login', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
      requestId: 'urn:request:r1',
    });
    expect((error as ApiError).message).toBe('That username and password do not match.');
  });

  it('never shows a 5xx detail, only a generic message with the reference', async () => {
    const { api } = server(problem(500, 'SOMETHING', 'stack trace here'));
    const error = (await api.get('/api/x').catch((e: unknown) => e)) as ApiError;
    expect(error.message).not.toContain('stack');
    expect(error.message).toContain('urn:request:r1');
  });

  it('reads a non-JSON error page as an HTTP_<status> problem', async () => {
    const { api } = server(new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('reports a network failure as NETWORK', async () => {
    const api = new Api(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('sends the idempotency key when given', async () => {
    const { calls, api } = server(json(200, { token: 't' }), json(202, { status: 'check-email' }));
    await api.post('/api/auth/signup', {}, { idempotencyKey: 'k-1' });
    expect(header(calls[1]!, 'idempotency-key')).toBe('k-1');
  });
});

describe('friendlyMessage', () => {
  it('falls back to the server detail for an unknown 4xx code', () => {
    expect(
      friendlyMessage({ status: 422, code: 'PROPERTY_EXISTS', detail: 'Already added.' }),
    ).toBe('Already added.');
  });
});

describe('routes', () => {
  it('matches params and decodes them', () => {
    expect(matchPath('/portal/properties/:id', '/portal/properties/p%201')).toEqual({ id: 'p 1' });
    expect(matchPath('/portal/properties/:id', '/portal/properties')).toBeNull();
    expect(matchPath('/admin', '/admin/')).toEqual({});
    expect(matchPath('/x/:id', '/x/%E0%A4')).toBeNull();
  });

  it('resolves the first matching route', () => {
    const routes = [{ path: '/a/new' }, { path: '/a/:id' }];
    expect(resolve(routes, '/a/new')?.route).toBe(routes[0]);
    expect(resolve(routes, '/a/7')?.params).toEqual({ id: '7' });
    expect(resolve(routes, '/b')).toBeNull();
  });

  it('allows only same-site paths as a redirect after sign-in', () => {
    expect(safeNext('/portal/bills')).toBe('/portal/bills');
    expect(safeNext('//evil.example')).toBeNull();
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext(null)).toBeNull();
  });
});

describe('tokenFromHash', () => {
  it('reads a 43-character link token from the fragment and nothing else', () => {
    const token = 'A'.repeat(43);
    expect(tokenFromHash(`#token=${token}`)).toBe(token);
    expect(tokenFromHash('#token=short')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });
});
