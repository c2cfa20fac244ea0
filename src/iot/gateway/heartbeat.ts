// Half-open TCP connections (a meter losing power) never close by themselves;
// without a heartbeat they would stay open and receive bill-run requests
// forever. Each connection is pinged once per interval and dropped if it has
// not answered the previous ping. The connections are spread over SLICES
// ticks of the interval by the order they arrived in, so a gateway holding
// 5,000 sessions sends 250 pings a tick instead of 5,000 in one go (one
// sweep of all of them held the event loop for ~120 ms under load), and each
// connection is still checked exactly one interval after its last ping.

/** What the heartbeat needs of a WebSocket (the `ws` package's WebSocket has it). */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

export interface Heartbeat {
  /** Starts watching a new connection (alive until it misses a pong). */
  watch(socket: HeartbeatSocket): void;
  /** Stops watching a closed connection. */
  forget(socket: HeartbeatSocket): void;
  stop(): void;
}

/** How many ticks one interval is spread over. */
export const HEARTBEAT_SLICES = 20;

export function startHeartbeat(intervalMs: number): Heartbeat {
  const slices: Set<HeartbeatSocket>[] = Array.from({ length: HEARTBEAT_SLICES }, () => new Set());
  const sliceOf = new Map<HeartbeatSocket, number>();
  const alive = new WeakMap<HeartbeatSocket, boolean>();
  let nextSlice = 0;
  let tick = 0;

  const timer = setInterval(
    () => {
      for (const socket of slices[tick]!) {
        if (alive.get(socket) === false) {
          socket.terminate();
          continue;
        }
        alive.set(socket, false);
        socket.ping();
      }
      tick = (tick + 1) % HEARTBEAT_SLICES;
    },
    Math.max(1, Math.floor(intervalMs / HEARTBEAT_SLICES)),
  );

  return {
    watch(socket) {
      const slice = nextSlice;
      nextSlice = (nextSlice + 1) % HEARTBEAT_SLICES;
      slices[slice]!.add(socket);
      sliceOf.set(socket, slice);
      alive.set(socket, true);
      socket.on('pong', () => alive.set(socket, true));
    },
    forget(socket) {
      const slice = sliceOf.get(socket);
      if (slice === undefined) return;
      slices[slice]!.delete(socket);
      sliceOf.delete(socket);
    },
    stop: () => clearInterval(timer),
  };
}
