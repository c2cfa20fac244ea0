// Helpers for the server-sent-event tests over a real listening server: a
// browser's cookies as a header, a POST over real HTTP with its CSRF token,
// and a reader that parses the event stream and waits for a matching event.

import type { Browser } from './auth-fixture.ts';

export interface SseEvent {
  event: string;
  data: unknown;
}

export const cookieOf = (browser: Browser): string =>
  [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/** POST over the network (not app.inject), with the browser's session and CSRF token. */
export async function postOverHttp(url: string, browser: Browser, path: string): Promise<Response> {
  const token = await browser.csrf();
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { cookie: cookieOf(browser), 'x-csrf-token': token },
  });
}

export interface SseStream {
  status: number;
  contentType: string | null;
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** Resolves with the first event (already received or arriving) that matches. */
  until(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once the server has ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, cookie: string): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { cookie }, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const ended = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined)
            events.push({ event, data: JSON.parse(data) as unknown });
        }
        for (const wake of waiters) wake();
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      for (const wake of waiters) wake();
    }
  })();
  let done = false;
  void ended.finally(() => (done = true));
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    async until(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (done) throw new Error(`stream ended without the event; got ${JSON.stringify(events)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event in time; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          const wake = () => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
    ended,
    close: () => controller.abort(),
  };
}
