// Simulated portal users for the mixed load benchmark, run in their own
// process: each signed-in customer browses their property (properties,
// property, readings, consumption, balance, bills, tickets, profile) with a
// random think time between pages, and once in the window pays their bill
// through the built-in test payment provider the way the browser does:
// a CSRF token, a checkout, the provider's page, its "Pay" button. Every
// request's latency is recorded; any non-2xx answer or socket error counts.

import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentiles, type Percentiles } from './server-trace.ts';

export interface PortalUser {
  cookie: string;
  propertyId: string;
  billId: string;
}

export interface UsersPlan {
  url: string;
  users: PortalUser[];
  seconds: number;
  /** Mean pause between one user's requests (ms, exponentially distributed). */
  thinkMs: number;
}

export interface UsersReport {
  requests: number;
  errors: number;
  /** The first few distinct errors, for the log (status and route, no ids). */
  errorSamples: string[];
  p50Ms: number;
  p99Ms: number;
  /** The pages alone, without the payment steps. */
  browseP99Ms: number;
  payP99Ms: number;
  paymentsCompleted: number;
  seconds: number;
  /** Latency per page and payment step as the users saw it (ms). */
  routes: Record<string, Percentiles>;
  /**
   * This process's own event-loop delay (ms): when it is large, answers sat
   * unread here and the latencies above include the users' own queueing.
   */
  usersLoopDelayMs: { p99: number; max: number };
}

const PAGES = [
  () => `/api/properties`,
  (u: PortalUser) => `/api/properties/${u.propertyId}`,
  (u: PortalUser) => `/api/properties/${u.propertyId}/consumption?granularity=daily`,
  (u: PortalUser) => `/api/properties/${u.propertyId}/readings?limit=50`,
  (u: PortalUser) => `/api/properties/${u.propertyId}/balance`,
  (u: PortalUser) => `/api/properties/${u.propertyId}/bills`,
  () => `/api/tickets`,
  () => `/api/auth/me`,
];

interface Answer {
  status: number;
  body: string;
  setCookies: string[];
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export async function usersRole(): Promise<void> {
  const plan = await new Promise<UsersPlan>((resolve) =>
    process.once('message', (m) => resolve(m as UsersPlan)),
  );
  // A connection per user at most, as each user's browser would have its own.
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.users.length });
  const base = new URL(plan.url);
  const browse: number[] = [];
  const pay: number[] = [];
  const byLabel = new Map<string, number[]>();
  let errors = 0;
  const errorSamples = new Set<string>();
  let paymentsCompleted = 0;

  const request = (
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: object,
  ) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path,
          headers: payload ? { ...headers, 'content-type': 'application/json' } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              setCookies: res.headers['set-cookie'] ?? [],
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  /** One timed request; a non-2xx answer or a socket error is an error. */
  const timed = async (
    into: number[],
    label: string,
    ...args: Parameters<typeof request>
  ): Promise<Answer | null> => {
    const t = performance.now();
    const record = () => {
      const ms = performance.now() - t;
      into.push(ms);
      const list = byLabel.get(label) ?? [];
      list.push(ms);
      byLabel.set(label, list);
    };
    try {
      const answer = await request(...args);
      record();
      if (answer.status >= 200 && answer.status < 300) return answer;
      errors++;
      if (errorSamples.size < 5) errorSamples.add(`${answer.status} ${label}`);
      return null;
    } catch (error) {
      record();
      errors++;
      if (errorSamples.size < 5) errorSamples.add(`${String(error)} ${label}`);
      return null;
    }
  };

  const cookieOf = (answer: Answer, name: string) =>
    answer.setCookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`));

  /** Checkout, the provider's page, its "Pay" button: true when the payment went through. */
  const payBill = async (user: PortalUser): Promise<boolean> => {
    const session = { cookie: user.cookie };
    const csrf = await timed(pay, 'GET /api/csrf', 'GET', '/api/csrf', session);
    if (!csrf) return false;
    const csrfCookie = cookieOf(csrf, 'ml_csrf');
    const cookie = csrfCookie ? `${user.cookie}; ${csrfCookie}` : user.cookie;
    const { token } = JSON.parse(csrf.body) as { token: string };
    const checkout = await timed(
      pay,
      'POST checkout',
      'POST',
      `/api/bills/${user.billId}/checkout`,
      { cookie, 'x-csrf-token': token },
      { returnPath: '/bills' },
    );
    if (!checkout) return false;
    const pagePath = new URL((JSON.parse(checkout.body) as { checkoutUrl: string }).checkoutUrl)
      .pathname;
    const page = await timed(pay, 'GET checkout page', 'GET', pagePath, { cookie });
    if (!page) return false;
    const pageToken = /<meta name="csrf" content="([^"]+)">/.exec(page.body)?.[1];
    if (!pageToken) return false;
    const done = await timed(
      pay,
      'POST pay',
      'POST',
      `${pagePath}/complete`,
      { cookie, 'x-csrf-token': pageToken },
      { outcome: 'paid' },
    );
    return done !== null;
  };

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const end = performance.now() + plan.seconds * 1000;
  const pause = () =>
    new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * plan.thinkMs));
  const t0 = performance.now();
  await Promise.all(
    plan.users.map(async (user) => {
      // Each user pays once, at a random moment in the first 80% of the window.
      const payAt = t0 + Math.random() * 0.8 * plan.seconds * 1000;
      let paid = false;
      await pause();
      while (performance.now() < end) {
        if (!paid && performance.now() >= payAt) {
          paid = true;
          if (await payBill(user)) paymentsCompleted++;
        } else {
          const path = PAGES[Math.floor(Math.random() * PAGES.length)]!(user);
          await timed(browse, `GET ${path.replace(/[0-9a-f-]{36}/g, ':id')}`, 'GET', path, {
            cookie: user.cookie,
          });
        }
        await pause();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  loop.disable();
  agent.destroy();
  const all = [...browse, ...pay].sort((a, b) => a - b);
  browse.sort((a, b) => a - b);
  pay.sort((a, b) => a - b);
  const report: UsersReport = {
    requests: all.length,
    errors,
    errorSamples: [...errorSamples],
    p50Ms: Math.round(percentile(all, 0.5)),
    p99Ms: Math.round(percentile(all, 0.99)),
    browseP99Ms: Math.round(percentile(browse, 0.99)),
    payP99Ms: Math.round(percentile(pay, 0.99)),
    paymentsCompleted,
    seconds,
    usersLoopDelayMs: {
      p99: Math.round(loop.percentile(99) / 1e6),
      max: Math.round(loop.max / 1e6),
    },
    routes: Object.fromEntries(
      [...byLabel].map(([label, ms]) => [label, percentiles(ms.map(Math.round))]),
    ),
  };
  process.send!({ type: 'report', report }, () => process.exit(0));
}
