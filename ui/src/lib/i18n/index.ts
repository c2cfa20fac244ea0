// String lookup for the UI: components ask for a message by key, never embed
// English. Only English ships; a new language is another module with the same
// keys (the type makes a missing key a compile error).

import { en, type MessageKey } from './en.ts';

export type { MessageKey };
export type Params = Record<string, string | number>;

const catalog: Record<MessageKey, string> = en;

/** The message for `key` with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Params = {}): string {
  return catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** True when `key` names a message, for codes that come from the server. */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(catalog, key);
}

/**
 * The message for a value the server sends (a status, a category) under
 * `prefix`, e.g. tr('tickets.status', 'assigned'); the value itself when no
 * message exists yet, so a new server-side value still shows.
 */
export function tr(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return hasMessage(key) ? t(key) : value;
}
