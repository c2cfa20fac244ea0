// Reconnect delays: exponential backoff with full jitter, so a fleet that
// lost its gateway at once does not reconnect in lockstep.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 60_000 };

/** Uniform in [0, min(maxMs, baseMs × 2^attempt)]; `random` returns [0, 1). */
export const backoffDelay = (
  attempt: number,
  opts: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number => Math.floor(random() * Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30)));
