// The gateway's WebSocket endpoint (`/iot/v1`): one GatewaySession per
// connection, frames handled in arrival order (readings pipelined up to
// READING_WINDOW, answered in order), a handshake deadline,
// and a registry of authenticated meters so bill runs can send `read`
// requests and a disabled meter's session can be dropped. Storage is the
// injected ReadingSink; nothing here persists anything.

import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { IOT_PATH, Limits } from '../protocol/constants.ts';
import type { ProtocolErrorCode } from '../protocol/errors.ts';
import { GatewaySession, type GatewaySessionDeps } from '../session/gateway-session.ts';
import { startHeartbeat } from './heartbeat.ts';

export interface GatewayServerOptions extends Omit<
  GatewaySessionDeps,
  'ephemeralPrivateKey' | 'nonce'
> {
  /** Attach to an existing HTTP(S) server (TLS lives there); otherwise listen on host:port. */
  server?: HttpServer;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  handshakeTimeoutMs?: number;
  /** WebSocket ping interval; a peer silent for a whole interval is dropped. */
  heartbeatMs?: number;
  /** On close, longest wait for frames already being handled (their acks) before closing. */
  drainTimeoutMs?: number;
}

export interface GatewayServer {
  /** `ws://host:port/iot/v1` when listening on its own; undefined when attached. */
  readonly url: string | undefined;
  connectedMeters(): string[];
  /** Sends a bill-run `read` request; false when the meter has no open session here. */
  sendReadRequest(meterId: string, requestId: string, runId: string): boolean;
  /** Ends a meter's session (e.g. it was disabled or its key revoked). */
  disconnectMeter(meterId: string, code: ProtocolErrorCode): boolean;
  close(): Promise<void>;
}

/**
 * Readings of one connection in progress at once (verifying or waiting for
 * their commit), answered in order: a meter with several un-acked readings
 * gets them into one group commit instead of one commit each.
 */
export const READING_WINDOW = 8;

/** Frames queued behind a slow sink beyond this mean the meter is flooding us. */
const MAX_QUEUED_FRAMES = 2 * Limits.rateBurst;

// ws hands each binary message over as a Buffer of its own (binaryType
// 'nodebuffer'): it is viewed, not copied; fragments are joined.
const toBytes = (data: RawData): Uint8Array => {
  const buf = Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
};

export const startGatewayServer = async (opts: GatewayServerOptions): Promise<GatewayServer> => {
  const {
    server,
    host = '127.0.0.1',
    port = 0,
    handshakeTimeoutMs,
    heartbeatMs,
    drainTimeoutMs,
    ...deps
  } = opts;
  const wss = new WebSocketServer({
    ...(server ? { server } : { host, port }),
    path: IOT_PATH,
    maxPayload: Limits.wsMaxPayloadBytes,
  });
  if (!server) {
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
  }
  const open = new Map<string, { ws: WebSocket; session: GatewaySession }>();
  // Shutdown: no new connections or frames; frames already taken finish (and ack) first.
  let draining = false;
  /** Each connection's frame chain, for the drain on close (read then, not kept per frame). */
  const handling = new Map<WebSocket, { chain: Promise<void>; session: GatewaySession }>();
  const heartbeat = startHeartbeat(heartbeatMs ?? Limits.heartbeatMs);

  wss.on('connection', (ws) => {
    if (draining) {
      ws.close(1001, 'gateway shutting down');
      return;
    }
    const session = new GatewaySession(
      { readingWindow: READING_WINDOW, ...deps },
      {
        send: (frame) => ws.send(frame),
        close: (code) => ws.close(1008, code),
      },
    );
    const frames = { chain: Promise.resolve(), session };
    handling.set(ws, frames);
    /** Frames received and not handled yet, in arrival order. */
    const inbox: Uint8Array[] = [];
    let pumping = false;
    let queued = 0;
    let registered: string | undefined;
    heartbeat.watch(ws);
    const timer = setTimeout(() => {
      if (session.status !== 'open') session.fail('HANDSHAKE_TIMEOUT', 'no auth in time', 0);
    }, handshakeTimeoutMs ?? Limits.handshakeTimeoutMs);

    const afterFrame = () => {
      const meterId = session.meterId;
      if (!meterId || registered) return;
      clearTimeout(timer);
      registered = meterId;
      // A reconnecting meter's old socket may linger half-open: the newer session wins.
      open.get(meterId)?.ws.close(1000, 'superseded');
      open.set(meterId, { ws, session });
    };

    // One loop per connection while frames wait, each handled to its end before
    // the next; it awaits only a frame that must wait (most need no promise).
    const pump = async (): Promise<void> => {
      pumping = true;
      while (inbox.length > 0) {
        const bytes = inbox.shift()!;
        try {
          const waiting = session.handle(bytes);
          if (waiting) await waiting;
        } catch (err) {
          // Directory or other port failures: nothing was stored, the meter may retry.
          session.fail('UNAVAILABLE', err instanceof Error ? err.message : 'internal error', 0);
        }
        queued--;
        afterFrame();
      }
      pumping = false;
    };

    ws.on('message', (data, isBinary) => {
      // Not acked, so the meter keeps the reading and sends it again after reconnecting.
      if (draining) return;
      if (!isBinary) {
        session.fail('MALFORMED_FRAME', 'text frames are not part of the protocol', 0);
        return;
      }
      if (++queued > MAX_QUEUED_FRAMES) {
        ws.close(1008, 'RATE_LIMITED');
        return;
      }
      inbox.push(toBytes(data));
      if (!pumping) frames.chain = pump();
    });
    ws.on('close', () => {
      clearTimeout(timer);
      heartbeat.forget(ws);
      handling.delete(ws);
      if (registered && open.get(registered)?.ws === ws) open.delete(registered);
    });
    // Socket errors are followed by 'close'; without a listener ws would throw.
    ws.on('error', () => {});
    session.start();
  });

  const address = server ? undefined : (wss.address() as AddressInfo);
  return {
    url: address && `ws://${host}:${address.port}${IOT_PATH}`,
    connectedMeters: () => [...open.keys()],
    sendReadRequest: (meterId, requestId, runId) =>
      open.get(meterId)?.session.send({ type: 'read', requestId, runId }) ?? false,
    disconnectMeter: (meterId, code) => {
      const entry = open.get(meterId);
      if (!entry) return false;
      entry.session.fail(code, 'session ended by the gateway', 0);
      if (entry.ws.readyState === entry.ws.OPEN) entry.ws.close(1008, code);
      return true;
    },
    close: async () => {
      draining = true;
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([
        // Pipelined readings are answered after their frame was handled: wait for those too.
        Promise.all([...handling.values()].map((h) => h.chain.then(() => h.session.settled()))),
        new Promise((resolve) => (waited = setTimeout(resolve, drainTimeoutMs ?? 5000))),
      ]);
      clearTimeout(waited);
      heartbeat.stop();
      for (const client of wss.clients) client.close(1001, 'gateway shutting down');
      // A peer that never answers the close handshake must not hold shutdown up.
      const force = setTimeout(() => wss.clients.forEach((c) => c.terminate()), 1000);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      clearTimeout(force);
    },
  };
};
