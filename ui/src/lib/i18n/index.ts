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
