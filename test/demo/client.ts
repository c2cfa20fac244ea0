// A small HTTP client for the demo tests against a real server: keeps the
// session cookies, sends the CSRF token on writes, and signs in with a
// password and the SMS code from the dev outbox. Plus a bounded polling
// helper.

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export class ApiClient {
  private readonly cookies = new Map<string, string>();
  private csrf: string | undefined;

  constructor(private readonly base: string) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['x-csrf-token'] = this.csrf;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  }

  async get<T>(path: string): Promise<T> {
    const response = await this.request('GET', path);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    this.csrf ??= (await this.get<{ token: string }>('/api/csrf')).token;
    const response = await this.request('POST', path, body);
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Password, then the newest sign-in code sent to `mobile` since the attempt began. */
  async signIn(username: string, password: string, mobile: string): Promise<void> {
    const since = Date.now() - 1000;
    const first = await this.post<{ status: string }>('/api/auth/login', { username, password });
    if (first.status === 'signed-in') return;
    const code = await until(async () => {
      const { entries } = await this.get<{
        entries: { channel: string; to: string; text: string; at: string }[];
      }>('/api/dev/outbox?limit=50');
      const sms = entries.find(
        (e) => e.channel === 'sms' && e.to === mobile && Date.parse(e.at) >= since,
      );
      return sms ? /(\d{6})/.exec(sms.text)?.[1] : undefined;
    }, 15_000);
    const done = await this.post<{ status: string }>('/api/auth/login/mfa', { code });
    if (done.status !== 'signed-in') throw new Error(`sign-in ended ${done.status}`);
  }
}
