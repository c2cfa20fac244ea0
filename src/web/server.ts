// Runs a built app on a socket and takes it down gracefully: on SIGINT or
// SIGTERM, stop accepting, let requests in flight finish, then release the
// resources the caller opened (the event store), then exit. A shutdown that
// hangs is cut short so an orchestrator's restart is never blocked.

import type { FastifyInstance } from 'fastify';

export interface ListenOptions {
  port: number;
  host: string;
}

/** Starts listening; resolves to the URL actually bound (useful with port 0). */
export async function listen(app: FastifyInstance, options: ListenOptions): Promise<string> {
  return app.listen({ port: options.port, host: options.host });
}

export interface ShutdownOptions {
  /** Run in order after the app has closed, e.g. closing the event store. */
  release?: (() => Promise<void>)[];
  /** After this long the process exits with code 1 regardless. */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
}

/**
 * Installs the signal handlers. A second signal while shutting down exits
 * immediately, which is what someone pressing Ctrl-C twice expects.
 */
export function shutdownOnSignals(app: FastifyInstance, options: ShutdownOptions = {}): void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const timeoutMs = options.timeoutMs ?? 10_000;
  let shuttingDown = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      app.log.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs }, 'shutdown timed out: exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    closeAll(app, options.release ?? []).then(
      () => {
        app.log.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}

async function closeAll(app: FastifyInstance, release: (() => Promise<void>)[]): Promise<void> {
  await app.close();
  for (const step of release) await step();
}
