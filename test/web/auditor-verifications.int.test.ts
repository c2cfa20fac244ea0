// Verification as a background job over a real listening server (real
// Postgres and Redis; the job runs in a worker thread): POST answers 202 at
// once with a job id, a second POST while it runs hands back the same job, the
// event stream carries per-check progress and then the report, GET gives
// status and report; a job another instance runs (or ran, and stopped) is
// answered and streamed here too; only auditors (and superusers) may do any of
// it; an unknown id is a 404 problem.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerRunner } from '../../src/audit/job-runners.ts';
import { createAuditJobs, type AuditJob } from '../../src/audit/jobs.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { hangingRunner } from '../audit/job-fixture.ts';
import type { Browser } from './auth-fixture.ts';
import { cookieOf, openSse, postOverHttp } from './live-support.ts';
import { ADDRESS, createRoutesHarness, type RoutesHarness } from './routes-fixture.ts';

let h: RoutesHarness;
let customer: Browser;
let admin: Browser;
let url: string;
let auditor: Browser;
let auditorId: string;

beforeAll(async () => {
  h = await createRoutesHarness();
  // Accounts and a property: a log whose every check passes (the route
  // fixtures' readings carry placeholder signatures, which the audit rightly fails).
  customer = (await h.customer()).browser;
  admin = await h.signIn((await h.register('admin')).accountId, ['admin']);
  const added = await customer.post('/api/properties', { kind: 'residential', address: ADDRESS });
  expect(added.statusCode).toBe(201);
  const account = await h.register('auditor');
  auditorId = account.accountId;
  auditor = await h.signIn(account.accountId, ['auditor']);
  url = await h.app.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);
afterAll(async () => h?.close());

const VERIFY = '/api/auditor/verifications';

async function finished(id: string): Promise<AuditJob> {
  for (let i = 0; i < 200; i++) {
    const job = (await (
      await fetch(`${url}${VERIFY}/${id}`, { headers: cookie() })
    ).json()) as AuditJob;
    if (job.finishedAt !== null) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('verification did not finish');
}
const cookie = (browser: Browser = auditor) => ({ cookie: cookieOf(browser) });
const databaseUrl = () => h.accounts.testStore.database.url;

/** Another web instance's jobs: its own pool on the same database. */
async function otherInstance(runner: Parameters<typeof createAuditJobs>[0]['runner']) {
  const db = postgresDatabase(databaseUrl(), 4);
  const other = await createAuditJobs({ db, runner, pollMs: 100 });
  return {
    other,
    async close() {
      await other.close();
      await db.close();
    },
  };
}

describe('auditor verifications as background jobs', () => {
  it('starts a job at once, streams per-check progress, then the report', async () => {
    const started = await postOverHttp(url, auditor, VERIFY);
    expect(started.status).toBe(202);
    const job = (await started.json()) as AuditJob;
    expect(job.report).toBeNull();
    expect(job.finishedAt).toBeNull();
    expect(job.startedBy).toBe(auditorId);
    expect(started.headers.get('location')).toBe(`${VERIFY}/${job.id}`);
    expect(job.checks.map((c) => c.id)).toContain('hash-chains');

    // One at a time: a second start while it runs returns the running job.
    const again = await postOverHttp(url, auditor, VERIFY);
    expect(again.status).toBe(202);
    expect(((await again.json()) as AuditJob).id).toBe(job.id);

    const stream = await openSse(`${url}${VERIFY}/${job.id}/events`, cookieOf(auditor));
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    const done = (await stream.until((e) => e.event === 'done')).data as AuditJob;
    await stream.ended;
    const progress = stream.events
      .filter((e) => e.event === 'progress')
      .map((e) => e.data as AuditJob);
    expect(progress.length).toBeGreaterThan(0);
    expect(stream.events.at(-1)!.event).toBe('done');

    expect(done.status).toBe('passed');
    expect(done.report!.ok).toBe(true);
    expect(done.report!.eventsReplayed).toBeGreaterThanOrEqual(5);
    for (const check of done.checks) {
      expect(check).toMatchObject({ state: 'done', ok: true });
      expect(check.done).toBe(check.total);
      expect(check.total).toBe(done.report!.eventsReplayed);
    }
    const got = await fetch(`${url}${VERIFY}/${job.id}`, { headers: cookie() });
    expect(got.status).toBe(200);
    expect(((await got.json()) as AuditJob).report).toEqual(done.report);
  });

  it('a stream opened after the job finished gets the final state and ends', async () => {
    const job = (await (await postOverHttp(url, auditor, VERIFY)).json()) as AuditJob;
    await finished(job.id);
    const stream = await openSse(`${url}${VERIFY}/${job.id}/events`, cookieOf(auditor));
    await stream.ended;
    expect(stream.events.map((e) => e.event)).toEqual(['done']);
  });

  it('refuses customers and admins (403) and anonymous callers (401) before doing anything', async () => {
    const job = (await (await postOverHttp(url, auditor, VERIFY)).json()) as AuditJob;
    await finished(job.id);
    for (const browser of [customer, admin]) {
      const post = await postOverHttp(url, browser, VERIFY);
      expect(post.status).toBe(403);
      expect(post.headers.get('content-type')).toContain('application/problem+json');
      for (const path of [`${VERIFY}/${job.id}`, `${VERIFY}/${job.id}/events`]) {
        const refused = await fetch(`${url}${path}`, { headers: cookie(browser) });
        expect(refused.status).toBe(403);
        expect(((await refused.json()) as { code: string }).code).toBe('FORBIDDEN');
      }
    }
    expect((await fetch(`${url}${VERIFY}/${job.id}`)).status).toBe(401);
  });

  it('an unknown or malformed id is a 404 problem', async () => {
    for (const id of ['0b6f3f0e-8a36-4c61-9d40-6c1a7c5c2f11', 'not-a-job']) {
      for (const path of [`${VERIFY}/${id}`, `${VERIFY}/${id}/events`]) {
        const missing = await fetch(`${url}${path}`, { headers: cookie() });
        expect(missing.status).toBe(404);
        expect(missing.headers.get('content-type')).toContain('application/problem+json');
        expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');
      }
    }
  });

  it('answers for and streams a job another instance runs, and starts none while it runs', async () => {
    const { other, close } = await otherInstance(workerRunner({ databaseUrl: databaseUrl() }));
    try {
      const { job } = await other.start('other-auditor');
      const post = await postOverHttp(url, auditor, VERIFY);
      expect(post.status).toBe(202);
      expect(((await post.json()) as AuditJob).id).toBe(job.id);
      const got = await fetch(`${url}${VERIFY}/${job.id}`, { headers: cookie() });
      expect(got.status).toBe(200);
      expect(((await got.json()) as AuditJob).startedBy).toBe('other-auditor');

      const stream = await openSse(`${url}${VERIFY}/${job.id}/events`, cookieOf(auditor));
      const done = (await stream.until((e) => e.event === 'done')).data as AuditJob;
      await stream.ended;
      expect(stream.events[0]!.event).toBe('progress');
      expect(done.status).toBe('passed');
      expect(done).toEqual(await other.get(job.id));
    } finally {
      await close();
    }
  });

  it('a job whose instance stopped mid-run reads as interrupted, over GET and the stream', async () => {
    const { other, close } = await otherInstance(hangingRunner());
    const { job } = await other.start('other-auditor');
    const stream = await openSse(`${url}${VERIFY}/${job.id}/events`, cookieOf(auditor));
    await stream.until((e) => e.event === 'progress');
    await close();
    const done = (await stream.until((e) => e.event === 'done')).data as AuditJob;
    await stream.ended;
    expect(done).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('interrupted'),
    });
    const got = (await (
      await fetch(`${url}${VERIFY}/${job.id}`, { headers: cookie() })
    ).json()) as AuditJob;
    expect(got).toEqual(done);
  });

  // Last: it edits the log.
  it('a tampered event fails the job, and the report names stream, revision and reason', async () => {
    const db = h.accounts.testStore.db;
    const { rows } = await db.query<{ stream: string }>(
      `SELECT stream FROM events WHERE stream LIKE 'property-%' AND revision = 0 LIMIT 1`,
    );
    const stream = rows[0]!.stream;
    await db.query(
      `UPDATE events SET data = jsonb_set(data, '{kind}', '"commercial"') WHERE stream = $1 AND revision = 0`,
      [stream],
    );
    const job = (await (await postOverHttp(url, auditor, VERIFY)).json()) as AuditJob;
    const done = await finished(job.id);
    expect(done.status).toBe('failed');
    const chains = done.report!.checks.find((c) => c.id === 'hash-chains')!;
    expect(chains.ok).toBe(false);
    expect(chains.failures).toContainEqual(
      expect.objectContaining({ stream, revision: 0, reason: expect.any(String) }),
    );
    expect(done.checks.find((c) => c.id === 'hash-chains')!.ok).toBe(false);
  });
});
