// The shapes every feature decider shares (Chassaing's Decider): commands and
// events are plain tagged objects, `decide` is pure and returns the events to
// append (`[]` when there is nothing to do) or a typed domain error.

// Event data must be JSON: the store rejects anything else at append time.
export type Event<Type extends string, Data extends object> = {
  type: Type;
  data: Data;
};

/** Facts a command carries in from outside: time and ids never come from inside the domain. */
export interface CommandMetadata {
  /** ISO-8601 instant at which the command is decided. */
  now: string;
  /** Unique per command; event ids are derived from it, so a retry is idempotent. */
  commandId: string;
  /** Account id of whoever issued the command, or a system actor such as `system:billrun`. */
  actor: string;
}

export type Command<Type extends string, Data extends object> = {
  type: Type;
  data: Data;
  metadata: CommandMetadata;
};

export class DomainError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export interface Decider<C, E, S, Err extends DomainError = DomainError> {
  decide(command: C, state: S): E[] | Err;
  evolve(state: S, event: E): S;
  initialState: S;
}

export const fold = <E, S>(evolve: (state: S, event: E) => S, initial: S, events: E[]): S =>
  events.reduce(evolve, initial);
