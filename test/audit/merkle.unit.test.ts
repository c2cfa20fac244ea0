// RFC 6962 Merkle trees: the Certificate Transparency reference vectors
// (the 8 leaves of merkle_tree_test.cc), cross-checked against a naive
// implementation written straight from the RFC's definitions, and properties:
// every leaf's audit path verifies, and any change to leaf, index or path fails.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromHex,
  inclusionPath,
  leafHash,
  merkleRoot,
  splitPoint,
  toHex,
  verifyInclusion,
} from '../../src/audit/merkle.ts';

const hex = (s: string): Uint8Array => fromHex(s)!;

// Naive MTH and PATH, literally as RFC 6962 §2.1 writes them (slices, recursion).
const h = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  parts.forEach((p) => hash.update(p));
  return new Uint8Array(hash.digest());
};
function naiveK(n: number): number {
  let k = 1;
  while (k < n) k <<= 1;
  return k >> 1;
}
function naiveMth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return h();
  if (d.length === 1) return h(Uint8Array.of(0), d[0]!);
  const k = naiveK(d.length);
  return h(Uint8Array.of(1), naiveMth(d.slice(0, k)), naiveMth(d.slice(k)));
}
function naivePath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = naiveK(d.length);
  return m < k
    ? [...naivePath(m, d.slice(0, k)), naiveMth(d.slice(k))]
    : [...naivePath(m - k, d.slice(k)), naiveMth(d.slice(0, k))];
}

// The CT reference test leaves and the root of each prefix of them.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// Audit paths from the same test file: (leaf index, tree size) → path.
const PATHS: [number, number, string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

describe('RFC 6962 tree hash', () => {
  it('hashes the empty tree as SHA-256 of nothing', () => {
    expect(toHex(merkleRoot([]))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('reproduces the CT reference roots for every prefix of the 8 test leaves', () => {
    ROOTS.forEach((root, i) => {
      const leaves = LEAVES.slice(0, i + 1);
      expect(toHex(merkleRoot(leaves))).toBe(root);
      expect(toHex(naiveMth(leaves))).toBe(root);
    });
  });

  it('separates leaves from nodes: a one-leaf tree is not the raw hash', () => {
    expect(toHex(merkleRoot([LEAVES[1]!]))).not.toBe(toHex(h(LEAVES[1]!)));
    expect(merkleRoot([LEAVES[1]!])).toEqual(leafHash(LEAVES[1]!));
  });

  it('splits at the largest power of two below n', () => {
    expect([2, 3, 4, 5, 8, 9, 1000].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8, 512]);
  });
});

describe('RFC 6962 audit paths', () => {
  it.each(PATHS)('leaf %i of %i matches the CT reference path', (index, size, expected) => {
    const leaves = LEAVES.slice(0, size);
    const path = inclusionPath(leaves, index);
    expect(path.map(toHex)).toEqual(expected);
    expect(naivePath(index, leaves).map(toHex)).toEqual(expected);
    expect(verifyInclusion(leafHash(leaves[index]!), index, size, path, merkleRoot(leaves))).toBe(
      true,
    );
  });

  it('refuses indices outside the tree', () => {
    expect(() => inclusionPath(LEAVES, 8)).toThrow(RangeError);
    expect(() => inclusionPath(LEAVES, -1)).toThrow(RangeError);
    expect(() => inclusionPath([], 0)).toThrow(RangeError);
    const root = merkleRoot(LEAVES);
    expect(verifyInclusion(leafHash(LEAVES[0]!), 8, 8, [], root)).toBe(false);
    expect(verifyInclusion(leafHash(LEAVES[0]!), -1, 8, [], root)).toBe(false);
  });

  it('rejects a path with an extra or a missing sibling, or at another index', () => {
    const root = merkleRoot(LEAVES);
    const path = inclusionPath(LEAVES, 3);
    const leaf = leafHash(LEAVES[3]!);
    expect(verifyInclusion(leaf, 3, 8, [...path, path[0]!], root)).toBe(false);
    expect(verifyInclusion(leaf, 3, 8, path.slice(0, -1), root)).toBe(false);
    expect(verifyInclusion(leaf, 2, 8, path, root)).toBe(false);
  });
});

const leavesArb = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 });
const treeWithIndex = leavesArb.chain((leaves) =>
  fc.tuple(fc.constant(leaves), fc.nat({ max: leaves.length - 1 })),
);

describe('Merkle properties', () => {
  it('agrees with the naive RFC definitions on any tree', () => {
    fc.assert(
      fc.property(treeWithIndex, ([leaves, index]) => {
        expect(toHex(merkleRoot(leaves))).toBe(toHex(naiveMth(leaves)));
        expect(inclusionPath(leaves, index).map(toHex)).toEqual(
          naivePath(index, leaves).map(toHex),
        );
      }),
    );
  });

  it("verifies every leaf's path", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const root = merkleRoot(leaves);
        leaves.forEach((leaf, i) => {
          const path = inclusionPath(leaves, i);
          expect(verifyInclusion(leafHash(leaf), i, leaves.length, path, root)).toBe(true);
        });
      }),
    );
  });

  it('fails for a changed leaf or a flipped bit anywhere in the path', () => {
    fc.assert(
      fc.property(treeWithIndex, fc.nat(), ([leaves, index], pick) => {
        const root = merkleRoot(leaves);
        const path = inclusionPath(leaves, index);
        const leaf = leaves[index]!;
        const changed = Uint8Array.from([...leaf, 1]);
        expect(verifyInclusion(leafHash(changed), index, leaves.length, path, root)).toBe(false);
        if (path.length > 0) {
          const flipped = path.map((p) => p.slice());
          flipped[pick % flipped.length]![pick % 32]! ^= 1 << (pick % 8);
          expect(verifyInclusion(leafHash(leaf), index, leaves.length, flipped, root)).toBe(false);
        }
      }),
    );
  });
});
