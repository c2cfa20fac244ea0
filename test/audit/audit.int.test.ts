// `ledger audit` on a real ledger in Postgres: it passes as written, and each
// kind of tampering an attacker with database access could do is found by the
// check responsible for it, which names the stream and revision.

import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_STREAM } from '../../src/audit/events.ts';
import { runAudit, type AuditReport } from '../../src/audit/run-audit.ts';
import { receivableStream } from '../../src/domain/receivable/index.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import {
  FORGER_SECRET,
  createAuditLedger,
  editData,
  rehash,
  signReading,
} from './ledger-fixture.ts';

const ledger = openedBeforeAll(createAuditLedger);
afterEach(() => ledger.restore());

const audit = () => runAudit({ store: ledger.store });
const check = (report: AuditReport, id: string) => report.checks.find((c) => c.id === id)!;
const okChecks = (report: AuditReport) => report.checks.filter((c) => c.ok).map((c) => c.id);

describe('ledger audit', () => {
  it('passes on the ledger as the services wrote it, having checked every kind of item', async () => {
    const report = await audit();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(check(report, 'hash-chains').checked).toBe(report.eventsReplayed);
    expect(check(report, 'checkpoints').checked).toBe(1);
    expect(check(report, 'checkpoints').notes).toContain('1 events after the last checkpoint');
    expect(check(report, 'reading-signatures').checked).toBe(3);
    expect(check(report, 'bill-recompute').checked).toBe(1);
    expect(check(report, 'receivable-balances').checked).toBe(1);
  });

  it('finds an event whose data was edited with SQL, naming its stream and revision', async () => {
    await editData(ledger.db, ledger.meterStream, 3, (data) => ({ ...data, registerWh: 1 }));
    const report = await audit();
    expect(report.ok).toBe(false);
    expect(check(report, 'hash-chains').failures).toEqual([
      { stream: ledger.meterStream, revision: 3, reason: expect.stringMatching(/content changed/) },
    ]);
  });

  it('finds a deleted event', async () => {
    await ledger.db.query('DELETE FROM events WHERE stream = $1 AND revision = 2', [
      ledger.meterStream,
    ]);
    const report = await audit();
    expect(check(report, 'hash-chains').failures).toEqual([
      { stream: ledger.meterStream, revision: 3, reason: expect.stringMatching(/revision gap/) },
    ]);
    // It was under a checkpoint too: that root no longer matches.
    expect(check(report, 'checkpoints').failures).toEqual([
      expect.objectContaining({ stream: CHECKPOINT_STREAM, revision: 0 }),
    ]);
  });

  it('finds a deleted tail event', async () => {
    const stream = receivableStream(ledger.propertyId);
    await ledger.db.query(
      'DELETE FROM events WHERE stream = $1 AND revision = (SELECT max(revision) FROM events WHERE stream = $1)',
      [stream],
    );
    const report = await audit();
    expect(check(report, 'hash-chains').failures).toEqual([
      { stream, revision: 1, reason: expect.stringMatching(/truncated/) },
    ]);
  });

  it('finds two events whose revisions were swapped', async () => {
    const swap = [ledger.meterStream, 2, 3] as const;
    await ledger.db.query('UPDATE events SET revision = 999 WHERE stream = $1 AND revision = $2', [
      swap[0],
      swap[1],
    ]);
    await ledger.db.query('UPDATE events SET revision = $2 WHERE stream = $1 AND revision = $3', [
      swap[0],
      swap[1],
      swap[2],
    ]);
    await ledger.db.query('UPDATE events SET revision = $2 WHERE stream = $1 AND revision = 999', [
      swap[0],
      swap[2],
    ]);
    const report = await audit();
    const failures = check(report, 'hash-chains').failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ stream: ledger.meterStream });
    expect([2, 3]).toContain(failures[0]!.revision);
  });

  it('finds a bill amount altered even when the hash chain was recomputed over it', async () => {
    await editData(ledger.db, ledger.billStream, 0, (data) => ({
      ...data,
      totalPaise: ledger.bill.totalPaise - 10_000,
    }));
    await rehash(ledger.db, ledger.billStream);
    const report = await audit();
    expect(okChecks(report)).toContain('hash-chains');
    expect(check(report, 'bill-recompute').failures).toEqual([
      {
        stream: ledger.billStream,
        revision: 0,
        reason: 'does not recompute: totals differ on recomputation',
      },
    ]);
  });

  it('finds a reading re-signed by another key, with the chain recomputed', async () => {
    const revision = 3;
    await editData(ledger.db, ledger.meterStream, revision, (data) => ({
      ...data,
      registerWh: 100_000,
      signature: signReading(FORGER_SECRET, {
        meterId: ledger.meterId,
        seq: data.seq as number,
        registerWh: 100_000,
        readAt: data.readAt as string,
        requestId: data.requestId as string | null,
      }),
    }));
    await rehash(ledger.db, ledger.meterStream);
    const report = await audit();
    expect(okChecks(report)).toContain('hash-chains');
    expect(check(report, 'reading-signatures').failures).toEqual([
      {
        stream: ledger.meterStream,
        revision,
        reason: expect.stringMatching(/does not verify with the meter's key/),
      },
    ]);
  });

  it('finds a payment whose amount no longer matches its allocations', async () => {
    const stream = receivableStream(ledger.propertyId);
    await editData(ledger.db, stream, 1, (data) => ({ ...data, amountPaise: 1_000 }));
    await rehash(ledger.db, stream);
    const report = await audit();
    expect(okChecks(report)).toContain('hash-chains');
    expect(check(report, 'receivable-balances').failures).toContainEqual({
      stream,
      revision: 1,
      reason: expect.stringMatching(/≠ amount 1000 paise/),
    });
  });

  it('finds a checkpoint whose Merkle root was replaced', async () => {
    await editData(ledger.db, CHECKPOINT_STREAM, 0, (data) => ({
      ...data,
      merkleRoot: 'ab'.repeat(32),
    }));
    await rehash(ledger.db, CHECKPOINT_STREAM);
    const report = await audit();
    expect(okChecks(report)).toContain('hash-chains');
    expect(
      check(report, 'checkpoints').failures.map((f) => [f.stream, f.revision, f.reason]),
    ).toEqual([
      [CHECKPOINT_STREAM, 0, 'signature does not verify'],
      [CHECKPOINT_STREAM, 0, 'Merkle root does not match the events in its range'],
    ]);
  });

  it('finds a checkpoint whose signature was replaced', async () => {
    await editData(ledger.db, CHECKPOINT_STREAM, 0, (data) => ({
      ...data,
      signature: `${'0'.repeat(63)}1${'0'.repeat(63)}1`,
    }));
    await rehash(ledger.db, CHECKPOINT_STREAM);
    const report = await audit();
    expect(check(report, 'checkpoints').failures).toEqual([
      { stream: CHECKPOINT_STREAM, revision: 0, reason: 'signature does not verify' },
    ]);
  });

  it('fails checkpoints signed by a key the auditor does not trust', async () => {
    const report = await runAudit({
      store: ledger.store,
      trustedLedgerKeys: ['02' + '1'.repeat(64)],
    });
    expect(check(report, 'checkpoints').failures).toEqual([
      expect.objectContaining({ revision: 0, reason: expect.stringMatching(/untrusted key/) }),
    ]);
  });
});
