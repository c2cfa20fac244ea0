import { describe, expect, it } from 'vitest';
import { Api } from './api.ts';
import { followVerification, type VerificationJob } from './audit-api.ts';
import type { EventSourceLike } from './live.svelte.ts';

function fakeSource() {
  const listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  const state = { url: '', closed: 0 };
  const open = (url: string): EventSourceLike => {
    state.url = url;
    return {
      addEventListener: (type, listener) =>
        listeners.set(type, [...(listeners.get(type) ?? []), listener]),
      close: () => void state.closed++,
    };
  };
  const emit = (type: string, data = '') => {
    for (const listener of listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  };
  return { open, emit, state };
}

const job = (over: Partial<VerificationJob> = {}): VerificationJob => ({
  id: 'j1',
  startedBy: 'a1',
  status: 'running',
  startedAt: '2026-11-27T00:00:00.000Z',
  finishedAt: null,
  checks: [
    { id: 'hash-chains', title: 'Hash chains', done: 5, total: 10, state: 'replaying', ok: null },
  ],
  report: null,
  error: null,
  ...over,
});

describe('followVerification', () => {
  it('passes each progress event on and stops at the final one', () => {
    const fake = fakeSource();
    const seen: VerificationJob[] = [];
    followVerification('j1', (j) => seen.push(j), { open: fake.open });
    expect(fake.state.url).toBe('/api/auditor/verifications/j1/events');
    fake.emit('progress', JSON.stringify(job()));
    expect(fake.state.closed).toBe(0);
    fake.emit(
      'done',
      JSON.stringify(job({ status: 'passed', finishedAt: '2026-11-27T00:00:01Z' })),
    );
    expect(fake.state.closed).toBe(1);
    // The browser would reconnect and replay "done"; nothing more reaches the page.
    fake.emit(
      'done',
      JSON.stringify(job({ status: 'passed', finishedAt: '2026-11-27T00:00:01Z' })),
    );
    expect(seen.map((j) => j.status)).toEqual(['running', 'passed']);
  });

  it('falls back to polling the job when the stream fails', async () => {
    const fake = fakeSource();
    const answers = [job(), job({ status: 'failed', finishedAt: '2026-11-27T00:00:02Z' })];
    const asked: string[] = [];
    const client = new Api(async (input) => {
      asked.push(String(input));
      return new Response(JSON.stringify(answers.shift()), {
        headers: { 'content-type': 'application/json' },
      });
    });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) =>
      followVerification(
        'j1',
        (j) => {
          seen.push(j.status);
          if (j.finishedAt) resolve();
        },
        { open: fake.open, client, pollMs: 5 },
      ),
    );
    fake.emit('error');
    await done;
    expect(fake.state.closed).toBeGreaterThan(0);
    expect(seen).toEqual(['running', 'failed']);
    expect(asked.every((u) => u.endsWith('/api/auditor/verifications/j1'))).toBe(true);
  });
});
