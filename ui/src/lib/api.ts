// The one HTTP client of the SPA: same-origin fetch with cookies, a CSRF
// token (from GET /api/csrf, cached, refreshed once when the server refuses
// it) on every state-changing request, and problem+json answers turned into an
// ApiError with the server's stable `code` and a friendly, translated message.

import type { WireProblem } from '../../../src/web/schemas/wire.ts';
import { hasMessage, t } from './i18n/index.ts';

/** A problem as the server sends it (src/web/schemas/wire.ts), or as made up here for a failure without one. */
export type Problem = Pick<WireProblem, 'status' | 'code'> &
  Partial<Pick<WireProblem, 'title' | 'detail' | 'instance' | 'errors'>>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  /** The request id, which the user can quote to support. */
  readonly requestId: string | undefined;
  readonly fieldErrors: { path: string; message: string }[];

  constructor(problem: Problem) {
    super(friendlyMessage(problem));
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.requestId = problem.instance;
    this.fieldErrors = problem.errors ?? [];
  }
}

/** Our words for a code we know; else the server's detail for a 4xx; never a 5xx's text. */
export function friendlyMessage(problem: Problem): string {
  const key = `errors.${problem.code}`;
  if (hasMessage(key)) return t(key);
  if (problem.code === 'NETWORK') return t('errors.network');
  if (problem.status >= 500 || !problem.detail) {
    const message = t('errors.generic');
    return problem.instance
      ? t('errors.withReference', { message, id: problem.instance })
      : message;
  }
  return problem.detail;
}

/** Reads a failed response as a Problem whatever it holds (proxies answer with HTML). */
export async function problemOf(response: Response): Promise<Problem> {
  const fallback: Problem = { status: response.status, code: `HTTP_${response.status}` };
  try {
    const body = (await response.json()) as Partial<Problem>;
    return typeof body.code === 'string'
      ? { ...fallback, ...body, status: response.status }
      : fallback;
  } catch {
    return fallback;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface RequestOptions {
  /** Sent as Idempotency-Key so a retried command is applied once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export class Api {
  #csrf: string | null = null;

  constructor(
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
    private readonly base = '',
  ) {}

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, options);
  }
  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, options);
  }
  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, body, options);
  }
  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, body, options);
  }
  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, undefined, options);
  }

  /** Forget the CSRF token (after sign-out the server may have rotated its cookie). */
  resetCsrf(): void {
    this.#csrf = null;
  }

  async request<T>(
    method: Method,
    path: string,
    body: unknown,
    options: RequestOptions,
  ): Promise<T> {
    const first = await this.#send(method, path, body, options);
    if (first.ok) return read<T>(first);
    const problem = await problemOf(first);
    if (problem.code === 'CSRF_TOKEN_INVALID' && method !== 'GET') {
      this.#csrf = null;
      const second = await this.#send(method, path, body, options);
      if (second.ok) return read<T>(second);
      throw new ApiError(await problemOf(second));
    }
    throw new ApiError(problem);
  }

  async #send(method: Method, path: string, body: unknown, options: RequestOptions) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = await this.#token();
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    try {
      return await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError({ status: 0, code: 'NETWORK' });
    }
  }

  async #token(): Promise<string> {
    if (this.#csrf) return this.#csrf;
    const token = await this.get<{ token: string }>('/api/csrf');
    this.#csrf = token.token;
    return token.token;
  }
}

async function read<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const api = new Api();
