// RFC 6962 (Certificate Transparency) Merkle trees over the ledger's event
// hashes: the tree hash a checkpoint signs, audit paths (inclusion proofs) for
// one leaf, and their verification (the RFC 9162 §2.1.3.2 algorithm). Leaf and
// node hashes are domain-separated (0x00 / 0x01 prefix) so an inner node can
// never be passed off as a leaf.

import { createHash } from 'node:crypto';

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

/** SHA-256(0x00 ‖ leaf). */
export const leafHash = (leaf: Uint8Array): Uint8Array => sha256(LEAF_PREFIX, leaf);

/** SHA-256(0x01 ‖ left ‖ right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  sha256(NODE_PREFIX, left, right);

/** The largest power of two strictly less than n (n ≥ 2): the RFC's split point. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes already computed; `hashes` is one leaf hash per leaf. */
function rootOfHashes(hashes: Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return hashes[from]!;
  const k = splitPoint(n);
  return nodeHash(rootOfHashes(hashes, from, from + k), rootOfHashes(hashes, from + k, to));
}

/** MTH(D[n]) of RFC 6962 §2.1; the empty tree's hash is SHA-256 of nothing. */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  return rootOfHashes(leaves.map(leafHash), 0, leaves.length);
}

function pathOfHashes(hashes: Uint8Array[], m: number, from: number, to: number): Uint8Array[] {
  const n = to - from;
  if (n === 1) return [];
  const k = splitPoint(n);
  // The path lists siblings from the leaf upwards, so the deeper part comes first.
  return m < k
    ? [...pathOfHashes(hashes, m, from, from + k), rootOfHashes(hashes, from + k, to)]
    : [...pathOfHashes(hashes, m - k, from + k, to), rootOfHashes(hashes, from, from + k)];
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index`. */
export function inclusionPath(leaves: Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  return pathOfHashes(leaves.map(leafHash), index, 0, leaves.length);
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * RFC 9162 §2.1.3.2: whether `path` proves that a leaf with hash `leafHashValue`
 * sits at `index` in the tree of `treeSize` leaves whose root is `root`.
 * Indices are numbers; trees here stay far below 2^53 leaves.
 */
export function verifyInclusion(
  leafHashValue: Uint8Array,
  index: number,
  treeSize: number,
  path: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize)) return false;
  if (index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHashValue;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Bytes of an even-length hex string, or null when it is not one. */
export function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return null;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
