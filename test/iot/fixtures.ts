// Test doubles for the gateway's ports: an in-memory meter directory and a
// sink that applies storage's seq and register rules, so session and gateway
// tests can observe exactly what would have been stored.

import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import type { Reading } from '../../src/iot/protocol/canonical.ts';
import type {
  MeterDirectory,
  MeterRecord,
  ReadingSink,
  SinkResult,
} from '../../src/iot/session/ports.ts';

export const testKey = (label: string): Uint8Array =>
  sha256(new TextEncoder().encode(`meterledger test ${label}`));

export class MemoryDirectory implements MeterDirectory {
  readonly meters = new Map<string, MeterRecord>();

  register(meterId: string, privateKey: Uint8Array, enabled = true): void {
    this.meters.set(meterId, { publicKey: publicKeyOf(privateKey), enabled });
  }

  async lookup(meterId: string): Promise<MeterRecord | undefined> {
    return this.meters.get(meterId);
  }
}

export class MemorySink implements ReadingSink {
  readonly stored: { reading: Reading; signature: Uint8Array }[] = [];
  /** Delay before resolving, to show acks wait for storage. */
  delayMs = 0;
  /** While set, readings wait for `release()`, which decides them all at once (a group commit). */
  holding = false;
  private readonly held: (() => void)[] = [];

  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    this.held.splice(0).forEach((decide) => decide());
  }

  async accept(reading: Reading, signature: Uint8Array): Promise<SinkResult> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.holding) await new Promise<void>((r) => this.held.push(r));
    const last = this.stored.filter((s) => s.reading.meterId === reading.meterId).at(-1)?.reading;
    if (last && reading.seq <= last.seq) return { ok: false, code: 'REPLAYED_SEQ' };
    if (last && reading.registerWh < last.registerWh)
      return { ok: false, code: 'REGISTER_BACKWARDS' };
    this.stored.push({ reading, signature });
    return { ok: true };
  }

  storedFor(meterId: string): Reading[] {
    return this.stored.filter((s) => s.reading.meterId === meterId).map((s) => s.reading);
  }
}
