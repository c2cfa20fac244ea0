// The demo seed on real Postgres: every account, region, tariff, gateway,
// meter and property exists as the services see them, meters have owner-only
// key files and signed history, and a second run appends nothing and hands
// out no new passwords.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccount } from '../../src/commands/accounts.ts';
import { loadGateway, loadMeter, loadProperty } from '../../src/commands/inventory.ts';
import { loadRegion } from '../../src/commands/regions.ts';
import { tariffVersions } from '../../src/commands/tariffs.ts';
import { DEMO_PEOPLE, DEMO_PROPERTIES, meterSerial } from '../../src/demo/dataset.ts';
import { demoId, readDemoState } from '../../src/demo/files.ts';
import { seedDemo, newDemoPassword, type DemoSeed } from '../../src/demo/seed.ts';
import { demoAccounts } from '../../src/demo/timeline.ts';
import { openAesVault, type AesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

describe('demo seed', () => {
  let testStore: PostgresTestStore;
  let vault: AesVault;
  let dataDir: string;
  let first: DemoSeed;
  const lookupKey = randomBytes(32);
  const seed = () =>
    seedDemo(
      { store: testStore.store, vault, lookupKey },
      { dataDir, now: new Date('2026-11-27T10:00:00Z'), hasherCost: 10 },
    );
  const countEvents = async () => (await testStore.store.readAll({ limit: 100_000 })).length;

  beforeAll(async () => {
    testStore = await createPostgresTestStore();
    await migratePrivacy(testStore.db);
    vault = await openAesVault({ db: testStore.db, masterKey: randomBytes(32) });
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-demo-seed-'));
    first = await seed();
  }, 120_000);
  afterAll(async () => {
    await vault.close();
    await testStore.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the superuser without a password and the others verified, each password once', async () => {
    const ids = demoAccounts(first.state);
    for (const person of DEMO_PEOPLE) {
      const account = await loadAccount(testStore.store, ids.get(person.key)!);
      if (account.status !== 'active') throw new Error(`${person.username} is ${account.status}`);
      expect(account.roles).toEqual([person.role]);
      const staffOrCustomer = person.role !== 'superuser';
      expect(account.emailVerified).toBe(staffOrCustomer);
      expect(account.mobileVerified).toBe(staffOrCustomer);
      expect(account.passwordHash !== null).toBe(staffOrCustomer);
    }
    expect(first.credentials.map((c) => c.username)).toEqual(
      DEMO_PEOPLE.filter((p) => p.role !== 'superuser').map((p) => p.username),
    );
    const passwords = first.credentials.map((c) => c.password);
    expect(passwords.every((p) => p !== null && /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/.test(p))).toBe(
      true,
    );
    expect(new Set(passwords).size).toBe(passwords.length);
  });

  it('publishes both tariffs and the region, and registers the gateway', async () => {
    for (const kind of ['residential', 'commercial'] as const) {
      const versions = await tariffVersions(testStore.store, kind);
      expect(versions).toHaveLength(1);
      expect(versions[0]!).toMatchObject({ mode: 'telescopic', effectiveFrom: '2026-04-01' });
      expect(versions[0]!.slabs.length).toBeGreaterThanOrEqual(2);
    }
    const region = await loadRegion(testStore.store, 'MH');
    if (region.status !== 'present') throw new Error('no region MH');
    expect(region.cities.map((c) => c.name)).toEqual(['Pune']);
    const gateway = await loadGateway(testStore.store, first.gatewayId);
    expect(gateway).toMatchObject({ status: 'enabled', city: 'Pune', pincode: '411001' });
  });

  it('approves all properties but one, each with a meter that has signed history', async () => {
    const statuses = [];
    for (const p of DEMO_PROPERTIES) {
      const property = await loadProperty(testStore.store, demoId(first.state, `property/${p.n}`));
      statuses.push(property.status);
    }
    expect(statuses.filter((s) => s === 'approved')).toHaveLength(24);
    expect(statuses.filter((s) => s === 'pending')).toHaveLength(1);
    expect(first.meters).toHaveLength(24);
    for (const m of first.meters) {
      const meter = await loadMeter(testStore.store, m.meterId);
      if (meter.status === 'none') throw new Error(`meter ${m.meterId} missing`);
      expect(meter.propertyId).toBe(m.propertyId);
      // Every twelve hours from 1 October 00:00 IST to 27 November 15:30 IST: 57 days and a half, both ends.
      expect(meter.lastSeq).toBe(57 * 2 + 2);
    }
  });

  it('keeps four spare meters in inventory and every key file owner-only', async () => {
    const spare = await loadMeter(testStore.store, demoId(first.state, 'meter/27'));
    expect(spare).toMatchObject({ status: 'enabled', propertyId: null });
    const keyFile = join(dataDir, 'demo', 'meters', `${meterSerial(0)}.key.json`);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'demo', 'gateway.key'))).mode & 0o777).toBe(0o600);
    expect((await readDemoState(dataDir))?.seededAt).toBe('2026-11-27T10:00:00.000Z');
  });

  it('appends nothing and prints no new password when run again', async () => {
    const before = await countEvents();
    const again = await seed();
    expect(await countEvents()).toBe(before);
    expect(again.state.namespace).toBe(first.state.namespace);
    expect(again.credentials.every((c) => c.password === null)).toBe(true);
    expect(again.meters.map((m) => m.identity.meterId)).toEqual(
      first.meters.map((m) => m.identity.meterId),
    );
  });

  it('generates a different readable password each time', () => {
    const made = Array.from({ length: 50 }, newDemoPassword);
    expect(new Set(made).size).toBe(50);
    expect(made.join('')).not.toMatch(/[01ilo]/);
  });
});
