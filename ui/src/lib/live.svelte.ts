// Live feeds over server-sent events. `live` (GET /api/live) is the
// dashboard's: the latest bill runs with their counts, meters online, and the
// open ticket queue. `portalLive` (GET /api/live/mine) is the signed-in
// customer's: their meters' presence and last reading, and a change counter
// per topic (properties, bills, payments, tickets) that pages key their
// loaders on, so a new bill or a staff reply shows without a reload. Each
// feed's one connection is shared by every page that subscribes and closed
// when the last one leaves; `connected` tells pages whether to fall back to
// polling. Message shapes are the server's wire schemas (src/web/schemas/live.ts).

import type { LiveMeter, LiveTicket, MeterCounts } from '../../../src/web/schemas/live.ts';
import type { BillRun } from './admin-api.ts';

export type { LiveMeter, LiveTicket };

/** The part of EventSource the feed uses, so specs can drive it. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** One shared EventSource per feed, opened by the first subscriber and closed after the last. */
abstract class SharedFeed {
  connected = $state(false);
  #source: EventSourceLike | null = null;
  #users = 0;

  constructor(
    private readonly url: string,
    private readonly open: (url: string) => EventSourceLike,
  ) {}

  /** Starts (or joins) the feed; call the returned function to leave it. */
  subscribe(): () => void {
    if (this.#users++ === 0) this.#connect();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.#users === 0) this.#disconnect();
    };
  }

  protected abstract listen(source: EventSourceLike): void;

  #connect(): void {
    const source = this.open(this.url);
    this.#source = source;
    source.addEventListener('open', () => (this.connected = true));
    // EventSource reconnects by itself; until it does, pages poll.
    source.addEventListener('error', () => (this.connected = false));
    this.listen(source);
  }

  #disconnect(): void {
    this.#source?.close();
    this.#source = null;
    this.connected = false;
    this.disconnected();
  }

  protected disconnected(): void {}
}

const browserSource = (url: string) =>
  new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike;

export class Live extends SharedFeed {
  billRuns = $state<BillRun[] | null>(null);
  meters = $state<MeterCounts | null>(null);
  tickets = $state<LiveTicket[] | null>(null);

  constructor(open: (url: string) => EventSourceLike = browserSource) {
    super('/api/live', open);
  }

  protected listen(source: EventSourceLike): void {
    source.addEventListener('billruns', (e) => (this.billRuns = parse(e.data)));
    source.addEventListener('meters', (e) => (this.meters = parse(e.data)));
    source.addEventListener('tickets', (e) => (this.tickets = parse(e.data)));
  }
}

export type PortalTopic = 'properties' | 'bills' | 'payments' | 'tickets';
const PORTAL_TOPICS: readonly PortalTopic[] = ['properties', 'bills', 'payments', 'tickets'];

export class PortalLive extends SharedFeed {
  meters = $state<LiveMeter[] | null>(null);
  /**
   * Bumped when a topic changes after its first message (the first is the
   * state the page already loaded); pages wrap a loader in {#key} on it.
   */
  changes = $state<Record<PortalTopic, number>>({
    properties: 0,
    bills: 0,
    payments: 0,
    tickets: 0,
  });
  // Not reactive: only decides whether a message counts as a change.
  #seen: Partial<Record<PortalTopic, true>> = {};

  constructor(open: (url: string) => EventSourceLike = browserSource) {
    super('/api/live/mine', open);
  }

  /** The live presence of a property's meter, once the feed has sent it. */
  meterOf(propertyId: string): LiveMeter | null {
    return this.meters?.find((m) => m.propertyId === propertyId) ?? null;
  }

  protected listen(source: EventSourceLike): void {
    source.addEventListener('meters', (e) => (this.meters = parse(e.data)));
    for (const topic of PORTAL_TOPICS)
      source.addEventListener(topic, () => {
        if (this.#seen[topic]) this.changes[topic]++;
        else this.#seen[topic] = true;
      });
  }

  protected override disconnected(): void {
    this.#seen = {};
    this.meters = null;
  }
}

function parse<T>(data: string): T | null {
  try {
    return JSON.parse(data) as T;
  } catch {
    return null;
  }
}

export const live = new Live();
export const portalLive = new PortalLive();
