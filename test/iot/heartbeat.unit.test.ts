// The heartbeat pings each connection once per interval, a slice of them per
// tick (never all at once), and drops one that did not answer its last ping.

import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import {
  HEARTBEAT_SLICES,
  startHeartbeat,
  type HeartbeatSocket,
} from '../../src/iot/gateway/heartbeat.ts';

class FakeSocket implements HeartbeatSocket {
  pings = 0;
  terminated = false;
  answers = true;
  private pong: () => void = () => {};
  ping(): void {
    this.pings++;
    if (this.answers) queueMicrotask(this.pong);
  }
  terminate(): void {
    this.terminated = true;
  }
  on(_event: 'pong', listener: () => void): void {
    this.pong = listener;
  }
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const INTERVAL = 1000;
const TICK = INTERVAL / HEARTBEAT_SLICES;

it('pings every connection once per interval, at most a slice of them per tick', async () => {
  const heartbeat = startHeartbeat(INTERVAL);
  const sockets = Array.from({ length: 5000 }, () => new FakeSocket());
  sockets.forEach((s) => heartbeat.watch(s));
  let before = 0;
  for (let tick = 0; tick < HEARTBEAT_SLICES; tick++) {
    await vi.advanceTimersByTimeAsync(TICK);
    const total = sockets.reduce((n, s) => n + s.pings, 0);
    expect(total - before).toBe(5000 / HEARTBEAT_SLICES);
    before = total;
  }
  expect(sockets.every((s) => s.pings === 1)).toBe(true);
  await vi.advanceTimersByTimeAsync(INTERVAL);
  expect(sockets.every((s) => s.pings === 2 && !s.terminated)).toBe(true);
  heartbeat.stop();
});

it('drops a connection one interval after a ping it did not answer, and only that one', async () => {
  const heartbeat = startHeartbeat(INTERVAL);
  const lively = new FakeSocket();
  const silent = new FakeSocket();
  silent.answers = false;
  heartbeat.watch(lively);
  heartbeat.watch(silent);
  await vi.advanceTimersByTimeAsync(INTERVAL);
  expect(silent.pings).toBe(1);
  expect(silent.terminated).toBe(false);
  await vi.advanceTimersByTimeAsync(INTERVAL);
  expect(silent.terminated).toBe(true);
  expect(lively.terminated).toBe(false);
  heartbeat.stop();
});

it('stops pinging a forgotten connection and everything once stopped', async () => {
  const heartbeat = startHeartbeat(INTERVAL);
  const gone = new FakeSocket();
  const kept = new FakeSocket();
  heartbeat.watch(gone);
  heartbeat.watch(kept);
  heartbeat.forget(gone);
  await vi.advanceTimersByTimeAsync(INTERVAL);
  expect(gone.pings).toBe(0);
  expect(kept.pings).toBe(1);
  heartbeat.stop();
  await vi.advanceTimersByTimeAsync(3 * INTERVAL);
  expect(kept.pings).toBe(1);
});
