// A run stream's meter facts one meter at a time, whether the run wrote them
// in batch events or one event per meter: tests count facts per meter
// without caring how many meters an event carried.

export type MeterFactKind = 'asked' | 'answered' | 'billed' | 'skipped' | 'missed';

export interface MeterFact {
  kind: MeterFactKind;
  meterId: string;
}

type StoredRunEvent = { type: string; data: Record<string, unknown> };

const ids = (entries: unknown): string[] =>
  (entries as { meterId: string }[]).map((entry) => entry.meterId);

/** The meter facts of one event (none for events that are not about meters). */
export function factsOf(event: StoredRunEvent): MeterFact[] {
  const one = (kind: MeterFactKind) => [{ kind, meterId: String(event.data.meterId) }];
  const many = (kind: MeterFactKind, meterIds: string[]) =>
    meterIds.map((meterId) => ({ kind, meterId }));
  switch (event.type) {
    case 'MeterReadsRequested':
      return many('asked', event.data.meterIds as string[]);
    case 'MetersAnswered':
      return many('answered', ids(event.data.answers));
    case 'MetersBilled':
      return many('billed', ids(event.data.bills));
    case 'MetersSkipped':
      return many('skipped', ids(event.data.skipped));
    case 'MeterReadRequested':
      return one('asked');
    case 'MeterAnswered':
      return one('answered');
    case 'MeterBilled':
      return one('billed');
    case 'MeterSkipped':
      return one('skipped');
    case 'MeterReadingMissed':
      return one('missed');
    default:
      return [];
  }
}

/** Every meter fact of a run stream, in order. */
export const meterFacts = (events: readonly StoredRunEvent[]): MeterFact[] =>
  events.flatMap(factsOf);

/** How many facts of `kind` the events record (for `meterId` only, when given). */
export const countFacts = (
  events: readonly StoredRunEvent[],
  kind: MeterFactKind,
  meterId?: string,
): number =>
  meterFacts(events).filter(
    (f) => f.kind === kind && (meterId === undefined || f.meterId === meterId),
  ).length;
