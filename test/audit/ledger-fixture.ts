// A small but real ledger for the audit tests, written through the services
// exactly as the system writes it: a superuser and a customer, a gateway, a
// meter with a real secp256k1 key signing its readings' canonical bytes, the
// residential tariff, a property approved with that meter, a bill run that
// bills it, a payment, and a signed checkpoint before the payment. Plus
// raw-SQL helpers to tamper with it and to undo the tampering between tests.

import { randomBytes, randomUUID } from 'node:crypto';
import { createCheckpoint } from '../../src/audit/checkpoint.ts';
import { ledgerKeyFromHex } from '../../src/audit/ledger-key.ts';
import { registerAccount } from '../../src/commands/accounts.ts';
import {
  billMeter,
  recordMeterAnswer,
  requestMeterRead,
  startBillRun,
  storeBillingPorts,
} from '../../src/commands/billing.ts';
import { recordReading, registerGateway, registerMeter } from '../../src/commands/inventory.ts';
import { addProperty, approveProperty } from '../../src/commands/properties.ts';
import { recordPayment } from '../../src/commands/receivables.ts';
import { publishTariffVersion } from '../../src/commands/tariffs.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { BOOTSTRAP_ACTOR } from '../../src/domain/account/index.ts';
import { billStream, type IssuedBill } from '../../src/domain/billing/index.ts';
import { meterStream } from '../../src/domain/meter/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import { eventHash, GENESIS_HASH } from '../../src/eventstore/integrity.ts';
import type { JsonObject } from '../../src/eventstore/port.ts';
import { publicKeyOf, signHash } from '../../src/iot/crypto/ecdsa.ts';
import { readingHash } from '../../src/iot/protocol/canonical.ts';
import { openAesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { RESIDENTIAL_TARIFF } from '../support/residential-tariff.ts';
import { createPostgresTestStore } from '../support/store.ts';
import { waitForWholeLog } from './wait.ts';

export const METER_SECRET = Uint8Array.from(Buffer.from('33'.repeat(32), 'hex'));
export const FORGER_SECRET = Uint8Array.from(Buffer.from('44'.repeat(32), 'hex'));
export const LEDGER_KEY = ledgerKeyFromHex('55'.repeat(32));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const GATEWAY_KEY = hex(publicKeyOf(Uint8Array.from(Buffer.from('66'.repeat(32), 'hex'))));

const meta = (actor: string, now: string): CommandMetadata => ({
  actor,
  now: new Date(now).toISOString(),
  commandId: randomUUID(),
});

/** The signature a meter makes over a reading's canonical bytes. */
export function signReading(
  secret: Uint8Array,
  r: { meterId: string; seq: number; registerWh: number; readAt: string; requestId: string | null },
): string {
  const reading = { meterId: r.meterId, seq: r.seq, registerWh: r.registerWh };
  const signed = { ...reading, readAt: Date.parse(r.readAt) };
  return hex(
    signHash(readingHash(r.requestId ? { ...signed, requestId: r.requestId } : signed), secret),
  );
}

export async function createAuditLedger() {
  const testStore = await createPostgresTestStore();
  const { store, db } = testStore;
  await migratePrivacy(db);
  const vault = await openAesVault({ db, masterKey: randomBytes(32) });
  const accountDeps = { store, vault, lookupKey: randomBytes(32) };
  const register = async (role: 'superuser' | 'customer', n: number) => {
    const accountId = randomUUID();
    await registerAccount(
      accountDeps,
      {
        ...{ accountId, role, username: `audit${n}${randomBytes(3).toString('hex')}` },
        ...{ name: `Person ${n}`, email: `${accountId}@example.com` },
        ...{ mobile: `98${String(n).padStart(8, '0')}`, consentGivenAt: '2025-11-01T00:00:00Z' },
      },
      meta(role === 'customer' ? 'anonymous' : BOOTSTRAP_ACTOR, '2025-11-01T00:00:00Z'),
    );
    return accountId;
  };
  const superuser = await register('superuser', 1);
  const customer = await register('customer', 2);
  const [gatewayId, meterId, propertyId] = [randomUUID(), randomUUID(), randomUUID()];
  const area = { state: 'MH', city: 'Pune', pincode: '411001' };
  const setup = '2025-12-20T00:00:00Z';
  await publishTariffVersion(
    { store },
    { kind: 'residential', terms: RESIDENTIAL_TARIFF },
    meta(superuser, '2025-11-15T00:00:00Z'),
  );
  await registerGateway(
    { store },
    { gatewayId, name: 'GW Pune', ...area, publicKey: GATEWAY_KEY },
    meta(superuser, setup),
  );
  await registerMeter(
    { store },
    {
      ...{ meterId, serial: `SN-${randomBytes(4).toString('hex')}`, kind: 'single-phase' },
      publicKey: hex(publicKeyOf(METER_SECRET)),
    },
    meta(superuser, setup),
  );
  const address = { houseNo: '12B', building: 'Lotus Court', street: 'FC Road', ...area };
  await addProperty(
    { store, vault },
    { propertyId, ownerId: customer, kind: 'residential', address },
    meta(customer, setup),
  );
  await approveProperty({ store }, { propertyId, gatewayId, meterId }, meta(superuser, setup));

  let seq = 0;
  /** A reading signed by the meter's key and recorded as the gateway records it. */
  async function read(registerWh: number, readAt: string, run?: { runId: string }) {
    seq++;
    const requestId = run ? `req-${seq}` : null;
    const signature = signReading(METER_SECRET, { meterId, seq, registerWh, readAt, requestId });
    const at = new Date(readAt).toISOString();
    const data = { seq, registerWh, readAt: at, signature, receivedAt: at };
    const outcome = await recordReading(
      { store },
      { meterId, ...data, runId: run?.runId ?? null, requestId },
      meta('system:gateway', readAt),
    );
    const stored = (await store.readStream(meterStream(meterId))).find(
      (e) => e.id === outcome.eventId,
    )!;
    return { eventId: stored.id, revision: stored.revision };
  }

  await read(0, '2025-12-31T00:00:00Z');
  await read(40_000, '2026-01-15T00:00:00Z');
  const deps = { store, ports: storeBillingPorts(store) };
  const runId = randomUUID();
  const period = '2026-01';
  await startBillRun(
    deps,
    { runId, period, deadline: '2026-02-02T06:00:00Z', meters: [{ meterId, propertyId }] },
    meta(superuser, '2026-02-01T00:00:00Z'),
  );
  await requestMeterRead(deps, { runId, meterId }, meta('system:gateway', '2026-02-01T00:00:00Z'));
  const closing = await read(150_000, '2026-02-01T00:05:00Z', { runId });
  await recordMeterAnswer(
    deps,
    { runId, meterId, readingEventId: closing.eventId, readingRevision: closing.revision },
    meta('system:gateway', '2026-02-01T00:05:00Z'),
  );
  const billed = await billMeter(
    deps,
    { runId, meterId },
    meta('system:billrun', '2026-02-01T01:00:00Z'),
  );
  if (billed.outcome !== 'billed') throw new Error(`fixture bill skipped: ${billed.reason}`);
  const bill: IssuedBill = billed.bill;
  await waitForWholeLog(store, db);
  const checkpoint = await createCheckpoint({ store, key: LEDGER_KEY });
  if (!checkpoint) throw new Error('fixture checkpoint not written');
  await recordPayment(
    { store },
    {
      ...{ propertyId, paymentReference: 'pay-1', amountPaise: 60_000, method: 'upi' },
      ...{
        methodReference: '412345678901',
        receivedAt: '2026-02-05T10:00:00Z',
        recordedBy: customer,
      },
    },
    meta(customer, '2026-02-05T10:00:00Z'),
  );
  await waitForWholeLog(store, db);
  await db.query('CREATE TABLE audit_events_backup AS SELECT * FROM events');
  await db.query('CREATE TABLE audit_streams_backup AS SELECT * FROM streams');

  return {
    store,
    db,
    /** The fixture database, for a verification worker's own connections. */
    databaseUrl: testStore.database.url,
    meterId,
    propertyId,
    bill,
    billStream: billStream(propertyId, period),
    meterStream: meterStream(meterId),
    checkpoint,
    /** Puts every event back as the fixture wrote it. */
    async restore() {
      await db.query('TRUNCATE events');
      await db.query('INSERT INTO events SELECT * FROM audit_events_backup');
      await db.query('TRUNCATE streams');
      await db.query('INSERT INTO streams SELECT * FROM audit_streams_backup');
    },
    async close() {
      await vault.close();
      await testStore.close();
    },
  };
}

export type AuditLedger = Awaited<ReturnType<typeof createAuditLedger>>;

/** Rewrites an event's data in place with raw SQL, as an attacker with database access could. */
export async function editData(
  db: SqlDatabase,
  stream: string,
  revision: number,
  edit: (data: JsonObject) => JsonObject,
): Promise<void> {
  const { rows } = await db.query<{ data: JsonObject }>(
    'SELECT data FROM events WHERE stream = $1 AND revision = $2',
    [stream, revision],
  );
  if (!rows[0]) throw new Error(`no event ${stream}@${revision}`);
  await db.query('UPDATE events SET data = $3 WHERE stream = $1 AND revision = $2', [
    stream,
    revision,
    JSON.stringify(edit(rows[0].data)),
  ]);
}

/** Recomputes a stream's whole hash chain, hiding an edit from the chain check. */
export async function rehash(db: SqlDatabase, stream: string): Promise<void> {
  const { rows } = await db.query<{
    id: string;
    revision: string;
    type: string;
    data: JsonObject;
    metadata: JsonObject;
  }>('SELECT id, revision, type, data, metadata FROM events WHERE stream = $1 ORDER BY revision', [
    stream,
  ]);
  let prevHash = GENESIS_HASH;
  for (const row of rows) {
    const revision = Number(row.revision);
    const hash = eventHash(prevHash, { ...row, stream, revision });
    await db.query(
      'UPDATE events SET prev_hash = $3, hash = $4 WHERE stream = $1 AND revision = $2',
      [stream, revision, prevHash, hash],
    );
    prevHash = hash;
  }
  await db.query('UPDATE streams SET last_hash = $2 WHERE stream = $1', [stream, prevHash]);
}
