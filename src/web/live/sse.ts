// Server-sent events on a hijacked Fastify reply: the headers that keep
// proxies from buffering, a retry hint, a comment line every 15 s so an idle
// stream is not closed by a proxy, and a registry of open streams so the
// server can end them before it waits for connections to drain (they never
// go idle by themselves).

import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const HEARTBEAT_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  /** Ends the response (the client sees the stream close). */
  end(): void;
  /** Runs once, when the client goes away or the stream is ended. */
  onClose(cleanup: () => void): void;
}

export type OpenEventStream = (request: FastifyRequest, reply: FastifyReply) => EventStream;

/** Returns an opener whose streams all end when `app` closes. */
export function eventStreams(app: FastifyInstance): OpenEventStream {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  return (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    open.add(res);
    res.write('retry: 3000\n\n');
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const cleanups: (() => void)[] = [];
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      open.delete(res);
      for (const cleanup of cleanups) cleanup();
    };
    request.raw.on('close', close);
    res.on('close', close);
    return {
      send(event, data) {
        if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      end() {
        res.end();
        close();
      },
      onClose(cleanup) {
        if (closed) cleanup();
        else cleanups.push(cleanup);
      },
    };
  };
}
