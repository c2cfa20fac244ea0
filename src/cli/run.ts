// What every sub-command shares: reading the configuration, opening the event
// store the configuration selects, and turning failures into a message on
// stderr and a non-zero exit code instead of a stack trace.

import { ConfigError, loadConfig, type Config } from '../config.ts';
import { EventStoreError } from '../eventstore/errors.ts';

/** Wraps a command action: resolves to its exit code (0 when it returns nothing). */
export function action<Args extends unknown[]>(
  run: (config: Config, ...args: Args) => Promise<number | void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      const code = await run(loadConfig(), ...args);
      process.exitCode = code ?? 0;
    } catch (error) {
      process.stderr.write(`ledger: ${describe(error)}\n`);
      process.exitCode = 1;
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof EventStoreError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
