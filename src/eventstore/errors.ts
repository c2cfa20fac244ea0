// Typed errors of the event store port. Adapters map their native errors to
// these so callers handle one set of codes.

export type EventStoreErrorCode =
  | 'WRONG_EXPECTED_REVISION'
  | 'INVALID_STREAM_NAME'
  | 'INVALID_EVENT'
  | 'EVENT_TOO_LARGE'
  | 'INVALID_EXPECTED_REVISION'
  | 'IDEMPOTENCY_CONFLICT'
  /** Read options that are not non-negative integers. */
  | 'INVALID_READ'
  /** A position string that this adapter did not produce. */
  | 'INVALID_POSITION'
  /** A subscription filter that is not a non-empty list of non-empty strings. */
  | 'INVALID_SUBSCRIPTION';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EventStoreError';
  }
}

export class WrongExpectedRevisionError extends EventStoreError {
  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: number,
  ) {
    super(
      'WRONG_EXPECTED_REVISION',
      `stream ${stream}: expected revision ${expected}, actual ${actual}`,
    );
    this.name = 'WrongExpectedRevisionError';
  }
}

export const isWrongExpectedRevision = (error: unknown): error is WrongExpectedRevisionError =>
  error instanceof WrongExpectedRevisionError;
