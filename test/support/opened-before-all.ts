// One fixture for all the tests of a file (or of the describe it is called
// in): opened in beforeAll, closed in afterAll. The object is returned at
// once so tests can name it at the top level; its fields are those of the
// opened fixture from beforeAll on (copied, so a fixture must be a plain
// object whose methods use their own closure, not `this` of a class).

import { afterAll, beforeAll } from 'vitest';

export function openedBeforeAll<T extends { close(): Promise<void> }>(open: () => Promise<T>): T {
  const fixture = {} as T;
  let opened = false;
  beforeAll(async () => {
    Object.assign(fixture, await open());
    opened = true;
  });
  afterAll(async () => {
    if (opened) await fixture.close();
  });
  return fixture;
}
