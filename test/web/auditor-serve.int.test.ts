// Verification jobs in `ledger serve` as deployed (a real process on a
// Postgres database of its own, so jobs run in a worker thread): a job started
// just before the server is killed (SIGKILL, mid-run: the worker has not even
// loaded) is reported interrupted by the restarted server at once (its run
// lock went with the dead process's sessions), and the next job runs to its
// report; one cut off by a normal stop (SIGTERM) is interrupted at once too.

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditJob } from '../../src/audit/jobs.ts';
import { redisKeyValueStore } from '../../src/auth/kv.ts';
import { createSessionStore } from '../../src/auth/sessions.ts';
import { freePort, startLedgerServe, type LedgerProcess } from '../support/ledger-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deleteRedisKeys, REDIS_URL } from './auth-fixture.ts';

const VERIFY = '/api/auditor/verifications';
const prefix = `test:${randomBytes(6).toString('hex')}:`;
let database: TestDatabase;
const servers: LedgerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('auditserve');
});
afterAll(async () => {
  for (const server of servers) await server.kill('SIGKILL');
  await deleteRedisKeys(prefix);
  await database?.drop();
});

async function serve(port: number): Promise<LedgerProcess> {
  const server = await startLedgerServe(port, {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
  });
  servers.push(server);
  return server;
}

/** An auditor's session in the server's Redis, and a CSRF token for it. */
async function auditorHeaders(url: string): Promise<Record<string, string>> {
  const kv = redisKeyValueStore(REDIS_URL, prefix);
  const session = await createSessionStore(kv).create({
    accountId: randomUUID(),
    roles: ['auditor'],
    stage: 'full',
  });
  await kv.close();
  const sessionCookie = `ml_session=${session.id}`;
  const answer = await fetch(`${url}/api/csrf`, { headers: { cookie: sessionCookie } });
  const { token } = (await answer.json()) as { token: string };
  const cookies = answer.headers.getSetCookie().map((c) => c.split(';')[0]);
  return { cookie: [sessionCookie, ...cookies].join('; '), 'x-csrf-token': token };
}

async function untilFinished(url: string, id: string, headers: Record<string, string>) {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const job = (await (await fetch(`${url}${VERIFY}/${id}`, { headers })).json()) as AuditJob;
    if (job.finishedAt !== null) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('verification jobs across a server restart', () => {
  it('a job cut off by SIGKILL reads interrupted at once after the restart, and the next one passes', async () => {
    const port = await freePort();
    const first = await serve(port);
    const headers = await auditorHeaders(first.url);
    const started = await fetch(`${first.url}${VERIFY}`, { method: 'POST', headers });
    expect(started.status).toBe(202);
    const job = (await started.json()) as AuditJob;
    const killedAt = Date.now();
    await first.kill('SIGKILL');

    const second = await serve(port);
    const after = await auditorHeaders(second.url);
    const interrupted = (await (
      await fetch(`${second.url}${VERIFY}/${job.id}`, { headers: after })
    ).json()) as AuditJob;
    expect(interrupted).toMatchObject({ id: job.id, status: 'interrupted', report: null });
    expect(interrupted.error).toMatch(/interrupted/);
    // Its run lock went with the killed process's sessions: not 15 s of silence later.
    expect(Date.parse(interrupted.finishedAt!) - killedAt).toBeLessThan(10_000);

    const next = await fetch(`${second.url}${VERIFY}`, { method: 'POST', headers: after });
    expect(next.status).toBe(202);
    const nextJob = (await next.json()) as AuditJob;
    expect(nextJob.id).not.toBe(job.id);
    const done = await untilFinished(second.url, nextJob.id, after);
    expect(done.status).toBe('passed');
    expect(done.report!.ok).toBe(true);
  }, 120_000);

  it('a job running when the server is stopped (SIGTERM) reads interrupted at once after the restart', async () => {
    const port = await freePort();
    const first = await serve(port);
    const headers = await auditorHeaders(first.url);
    const job = (await (
      await fetch(`${first.url}${VERIFY}`, { method: 'POST', headers })
    ).json()) as AuditJob;
    const stoppedAt = Date.now();
    await first.kill('SIGTERM');

    const second = await serve(port);
    const after = await auditorHeaders(second.url);
    const seen = (await (
      await fetch(`${second.url}${VERIFY}/${job.id}`, { headers: after })
    ).json()) as AuditJob;
    expect(seen).toMatchObject({ id: job.id, status: 'interrupted', report: null });
    // Marked by the stopping server, not 15 s later by a silent heartbeat.
    expect(Date.parse(seen.finishedAt!) - stoppedAt).toBeLessThan(10_000);
  }, 120_000);
});
