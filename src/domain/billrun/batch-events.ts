// How a bill run's meters are split into events: at most METERS_PER_EVENT
// entries and BATCH_EVENT_BYTES of JSON each, so every event stays well below
// the event store's 256 KiB limit however long a skip reason is.

/** Meters listed per event: 1,000 pairs of ids stay far below the store's 256 KiB per event. */
export const METERS_PER_EVENT = 1000;

/**
 * Bytes of meter entries per batch event besides the count: skip reasons are
 * free text, and 1,000 long ones would pass the store's 256 KiB per event.
 */
const BATCH_EVENT_BYTES = 192 * 1024;

/** Bytes of `text` in UTF-8, counted without encoding it (one allocation per entry fed the GC). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      // A surrogate pair is one 4-byte character; a lone surrogate encodes as U+FFFD (3 bytes).
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Meter entries for batch events: at most METERS_PER_EVENT, and BATCH_EVENT_BYTES of JSON, each. */
export function batches<T>(entries: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = utf8Length(JSON.stringify(entry));
    if (
      current.length === METERS_PER_EVENT ||
      (current.length > 0 && bytes + size > BATCH_EVENT_BYTES)
    ) {
      out.push(current);
      [current, bytes] = [[], 0];
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
