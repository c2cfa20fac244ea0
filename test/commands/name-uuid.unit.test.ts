import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { nameUuid } from '../../src/commands/name-uuid.ts';

const NAMESPACE = '6f1c4f3e-6a43-4f43-9a0e-3c1d2b7e5a10';

describe('nameUuid', () => {
  it('is the RFC 9562 version 5 UUID (the test vector of its appendix)', () => {
    // DNS namespace, name "www.example.com".
    expect(nameUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('gives what the uuid package gives, for any name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        expect(nameUuid(name, NAMESPACE)).toBe(uuidv5(name, NAMESPACE));
      }),
    );
    expect(nameUuid('', NAMESPACE)).toBe(uuidv5('', NAMESPACE));
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => nameUuid('x', 'not-a-uuid')).toThrow(TypeError);
  });
});
