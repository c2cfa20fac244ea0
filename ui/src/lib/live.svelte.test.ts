import { describe, expect, it } from 'vitest';
import { Live, PortalLive, type EventSourceLike } from './live.svelte.ts';

/** An EventSource the spec drives: `emit(type, data)` delivers an event. */
function fakeSource() {
  const listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  const opened: string[] = [];
  let closed = 0;
  const open = (url: string): EventSourceLike => {
    opened.push(url);
    // A new connection: the closed one's listeners hear nothing more.
    listeners.clear();
    return {
      addEventListener: (type, listener) =>
        listeners.set(type, [...(listeners.get(type) ?? []), listener]),
      close: () => void closed++,
    };
  };
  const emit = (type: string, data = '') => {
    for (const listener of listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  };
  return { open, emit, opened, closed: () => closed };
}

describe('Live', () => {
  it('opens one connection for many subscribers and closes it after the last leaves', () => {
    const fake = fakeSource();
    const live = new Live(fake.open);
    const leaveA = live.subscribe();
    const leaveB = live.subscribe();
    expect(fake.opened).toEqual(['/api/live']);
    leaveA();
    leaveA();
    expect(fake.closed()).toBe(0);
    leaveB();
    expect(fake.closed()).toBe(1);
  });

  it('keeps the latest data of each topic and tracks the connection', () => {
    const fake = fakeSource();
    const live = new Live(fake.open);
    live.subscribe();
    fake.emit('open');
    expect(live.connected).toBe(true);
    fake.emit('meters', '{"total":5,"online":3}');
    fake.emit('billruns', '[{"runId":"r1","billed":2,"total":5}]');
    expect(live.meters).toEqual({ total: 5, online: 3 });
    expect(live.billRuns?.[0]).toMatchObject({ runId: 'r1', billed: 2 });
    fake.emit('error');
    expect(live.connected).toBe(false);
  });

  it('ignores a malformed message instead of throwing inside the event loop', () => {
    const fake = fakeSource();
    const live = new Live(fake.open);
    live.subscribe();
    fake.emit('tickets', 'not json');
    expect(live.tickets).toBeNull();
  });
});

describe('PortalLive', () => {
  it("counts a topic's changes after its first message and keeps the meters", () => {
    const fake = fakeSource();
    const live = new PortalLive(fake.open);
    const leave = live.subscribe();
    expect(fake.opened).toEqual(['/api/live/mine']);
    fake.emit('bills', '[]');
    expect(live.changes.bills).toBe(0);
    fake.emit('bills', '[{"billId":"b1"}]');
    fake.emit('tickets', '[]');
    expect(live.changes).toEqual({ properties: 0, bills: 1, payments: 0, tickets: 0 });
    fake.emit(
      'meters',
      '[{"propertyId":"p1","meterId":"m1","online":true,"lastSeenAt":null,"lastReadingAt":null}]',
    );
    expect(live.meterOf('p1')?.online).toBe(true);
    expect(live.meterOf('p2')).toBeNull();
    leave();
    expect(fake.closed()).toBe(1);
    expect(live.meters).toBeNull();
  });

  it('treats the first message after reconnecting as a fresh start', () => {
    const fake = fakeSource();
    const live = new PortalLive(fake.open);
    const leave = live.subscribe();
    fake.emit('payments', '[]');
    leave();
    live.subscribe();
    fake.emit('payments', '[]');
    expect(live.changes.payments).toBe(0);
    fake.emit('payments', '[{"paymentId":"e1"}]');
    expect(live.changes.payments).toBe(1);
  });
});
