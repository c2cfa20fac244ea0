// The audit and proof commands' functions on a real ledger: the readable
// summary and JSON with exit codes, and an inclusion proof round trip
// (CLI output → JSON → independent verification).

import { describe, expect, it } from 'vitest';
import { AUDIT_CHECKS } from '../../src/audit/checks/index.ts';
import { verifyInclusionProof, type InclusionProof } from '../../src/audit/proof.ts';
import { auditToOutput } from '../../src/cli/audit.ts';
import { checkpointAll } from '../../src/cli/checkpoint.ts';
import { proveEvent } from '../../src/cli/proof.ts';
import { receivableStream } from '../../src/domain/receivable/index.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { LEDGER_KEY, createAuditLedger, editData } from './ledger-fixture.ts';

const ledger = openedBeforeAll(createAuditLedger);

const capture = () => {
  let text = '';
  return { out: { write: (chunk: string) => (text += chunk) }, text: () => text };
};
const opened = () => ({ store: ledger.store, db: ledger.db, close: async () => {} });

describe('ledger audit output', () => {
  it('prints one ✓ line per check and exits 0 on a clean ledger', async () => {
    const { out, text } = capture();
    const { code } = await auditToOutput(opened(), { json: false }, out);
    expect(code).toBe(0);
    const lines = text().trim().split('\n');
    expect(lines.filter((line) => line.startsWith('✓ '))).toHaveLength(AUDIT_CHECKS.length);
    expect(lines.at(-1)).toBe('AUDIT PASSED');
  });

  it('names stream, revision and reason of a failure, and exits 1; --json is one object', async () => {
    const stream = receivableStream(ledger.propertyId);
    await editData(ledger.db, stream, 0, (data) => ({ ...data, amountPaise: 1 }));
    try {
      const { out, text } = capture();
      expect((await auditToOutput(opened(), { json: false }, out)).code).toBe(1);
      expect(text()).toMatch(/^✗ hash chains intact: \d+ checked, 1 failed/m);
      expect(text()).toContain(`    ${stream} @ revision 0: content changed`);
      expect(text().trim().split('\n').at(-1)).toBe('AUDIT FAILED');

      const json = capture();
      expect((await auditToOutput(opened(), { json: true }, json.out)).code).toBe(1);
      const report = JSON.parse(json.text());
      expect(report.ok).toBe(false);
      expect(report.checks.find((c: { id: string }) => c.id === 'hash-chains').failures[0]).toEqual(
        expect.objectContaining({ stream, revision: 0 }),
      );
    } finally {
      await ledger.restore();
    }
  });
});

describe('ledger proof', () => {
  it('round-trips: the printed proof verifies on its own against the pinned ledger key', async () => {
    const { out, text } = capture();
    const reading = (await ledger.store.readStream(ledger.meterStream)).at(-1)!;
    const outcome = await proveEvent(ledger.store, reading.id, { json: true }, out);
    expect(outcome.code).toBe(0);
    const printed = JSON.parse(text()) as { proof: InclusionProof; verdict: unknown };
    expect(printed.verdict).toEqual({ ok: true });
    expect(printed.proof.event).toMatchObject({ id: reading.id, hash: reading.hash });
    expect(
      verifyInclusionProof(printed.proof, { trustedPublicKeys: [LEDGER_KEY.publicKey] }),
    ).toEqual({ ok: true });
    const forged = { ...printed.proof, event: { ...printed.proof.event, data: { registerWh: 1 } } };
    expect(verifyInclusionProof(forged).ok).toBe(false);
  });

  it('prints VERIFIED in text, and exits 1 for an event not yet checkpointed until a checkpoint covers it', async () => {
    const payment = (await ledger.store.readStream(receivableStream(ledger.propertyId))).at(-1)!;
    const before = capture();
    expect((await proveEvent(ledger.store, payment.id, { json: false }, before.out)).code).toBe(1);
    expect(before.text()).toMatch(/^NOT_YET_CHECKPOINTED/);

    const written = await checkpointAll(ledger.store, LEDGER_KEY);
    expect(written.map((w) => w.checkpoint.eventCount)).toEqual([1]);
    try {
      const after = capture();
      expect((await proveEvent(ledger.store, payment.id, { json: false }, after.out)).code).toBe(0);
      expect(after.text()).toContain(`leaf 0 of 1 in checkpoint ${written[0]!.event.id}`);
      expect(after.text().trim().split('\n').at(-1)).toBe('VERIFIED');
      const untrusted = capture();
      const pinned = { json: false, ledgerKey: ['02' + '1'.repeat(64)] };
      expect((await proveEvent(ledger.store, payment.id, pinned, untrusted.out)).code).toBe(1);
      expect(untrusted.text()).toMatch(/NOT VERIFIED: checkpoint signed by untrusted key/);
    } finally {
      await ledger.restore();
    }
  });
});
