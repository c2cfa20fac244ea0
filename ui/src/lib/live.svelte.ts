// The dashboard's live feed (GET /api/live, server-sent events): the latest
// bill runs with their counts, meters online, and the open ticket queue. One
// connection is shared by every page that subscribes and closed when the last
// one leaves; `connected` tells pages whether to fall back to polling.

import type { BillRun } from './admin-api.ts';

export interface LiveTicket {
  ticketId: string;
  subject: string;
  status: string;
  openedAt: string;
}

/** The part of EventSource the feed uses, so specs can drive it. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export class Live {
  billRuns = $state<BillRun[] | null>(null);
  meters = $state<{ total: number; online: number } | null>(null);
  tickets = $state<LiveTicket[] | null>(null);
  connected = $state(false);
  #source: EventSourceLike | null = null;
  #users = 0;

  constructor(
    private readonly open: (url: string) => EventSourceLike = (url) =>
      new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike,
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

  #connect(): void {
    const source = this.open('/api/live');
    this.#source = source;
    source.addEventListener('open', () => (this.connected = true));
    // EventSource reconnects by itself; until it does, pages poll.
    source.addEventListener('error', () => (this.connected = false));
    source.addEventListener('billruns', (e) => (this.billRuns = parse(e.data)));
    source.addEventListener('meters', (e) => (this.meters = parse(e.data)));
    source.addEventListener('tickets', (e) => (this.tickets = parse(e.data)));
  }

  #disconnect(): void {
    this.#source?.close();
    this.#source = null;
    this.connected = false;
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
