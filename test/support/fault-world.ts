// The ledger the fault tests crash: written through the services on a fresh
// Postgres database, as an admin would set it up (a superuser and a customer,
// a residential tariff, a registered gateway with its key file, and approved
// properties each with a metered fleet identity), plus the environment a
// `ledger serve` child needs to run that gateway in-process on it. Readings
// come only from the meters through the gateway, so the audit has real
// signatures to check.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { registerAccount } from '../../src/commands/accounts.ts';
import { registerGateway, registerMeter } from '../../src/commands/inventory.ts';
import { addProperty, approveProperty } from '../../src/commands/properties.ts';
import { publishTariffVersion } from '../../src/commands/tariffs.ts';
import { BOOTSTRAP_ACTOR } from '../../src/domain/account/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import type { TariffVersion } from '../../src/domain/tariff/index.ts';
import { openEventStore } from '../../src/eventstore/open.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { publicKeyOf, randomPrivateKey } from '../../src/iot/crypto/ecdsa.ts';
import { openAesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import type { FleetMeterSpec } from '../../devices/fleet.ts';
import { RESIDENTIAL_TARIFF } from './residential-tariff.ts';

// The shared residential tariff, back-dated further than the other worlds publish it.
const tariff: TariffVersion = { ...RESIDENTIAL_TARIFF, effectiveFrom: '2025-04-01' };

const meta = (actor: string, now = new Date()): CommandMetadata => ({
  actor,
  now: now.toISOString(),
  commandId: randomUUID(),
});

export interface FaultMeter {
  meterId: string;
  propertyId: string;
  spec: FleetMeterSpec;
}

export interface FaultWorld {
  superuser: string;
  gatewayId: string;
  meters: FaultMeter[];
  /** What `ledger serve` needs beside DATABASE_URL to run the gateway and open the vault. */
  serveEnv: Record<string, string>;
}

export interface OpenedFaultWorld extends FaultWorld {
  store: EventStore;
  db: SqlDatabase;
  /** What a `ledger serve` child on this world needs: DATABASE_URL, DATA_DIR and serveEnv. */
  env: Record<string, string>;
  /** Closes the store and removes the data directory (the database is the caller's). */
  close(): Promise<void>;
}

/** Opens the store on `databaseUrl` and seeds the world, with a data directory of its own. */
export async function openFaultWorld(
  databaseUrl: string,
  meterCount: number,
): Promise<OpenedFaultWorld> {
  const opened = await openEventStore({ databaseUrl });
  const dir = await mkdtemp(join(tmpdir(), 'fault-'));
  const close = async () => {
    await opened.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const world = await seedFaultWorld(opened.store, opened.db, dir, meterCount);
    const env = { DATABASE_URL: databaseUrl, DATA_DIR: dir, ...world.serveEnv };
    return { ...world, store: opened.store, db: opened.db, env, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Seeds `meterCount` approved, metered properties; `dir` receives the gateway key file. */
export async function seedFaultWorld(
  store: EventStore,
  db: SqlDatabase,
  dir: string,
  meterCount: number,
): Promise<FaultWorld> {
  await migratePrivacy(db);
  const masterKey = randomBytes(32);
  const lookupKey = randomBytes(32);
  const vault = await openAesVault({ db, masterKey: Buffer.from(masterKey) });
  const register = async (role: 'superuser' | 'customer', n: number) => {
    const accountId = randomUUID();
    await registerAccount(
      { store, vault, lookupKey },
      {
        ...{ accountId, role, username: `fault${n}${randomBytes(3).toString('hex')}` },
        ...{ name: `Person ${n}`, email: `${accountId}@example.com` },
        ...{ mobile: `98${String(n).padStart(8, '0')}`, consentGivenAt: '2025-11-01T00:00:00Z' },
      },
      meta(role === 'customer' ? 'anonymous' : BOOTSTRAP_ACTOR),
    );
    return accountId;
  };
  const superuser = await register('superuser', 1);
  const customer = await register('customer', 2);
  await publishTariffVersion({ store }, { kind: 'residential', terms: tariff }, meta(superuser));

  const gatewayId = randomUUID();
  const gatewayKey = randomPrivateKey();
  const gatewayPublicKey = publicKeyOf(gatewayKey);
  const area = { state: 'MH', city: 'Pune', pincode: '411001' };
  await registerGateway(
    { store },
    { gatewayId, name: 'GW Fault', ...area, publicKey: bytesToHex(gatewayPublicKey) },
    meta(superuser),
  );
  const gatewayKeyFile = join(dir, 'gateway.key');
  await writeFile(gatewayKeyFile, bytesToHex(gatewayKey) + '\n', { mode: 0o600 });

  const meters: FaultMeter[] = [];
  for (let n = 0; n < meterCount; n++) {
    const [meterId, propertyId] = [randomUUID(), randomUUID()];
    const privateKey = randomPrivateKey();
    await registerMeter(
      { store },
      {
        ...{ meterId, serial: `FT-${randomBytes(4).toString('hex')}`, kind: 'single-phase' },
        publicKey: bytesToHex(publicKeyOf(privateKey)),
      },
      meta(superuser),
    );
    const address = { houseNo: `${n + 1}`, building: 'Fault Court', street: 'FC Road', ...area };
    await addProperty(
      { store, vault },
      { propertyId, ownerId: customer, kind: 'residential', address },
      meta(customer),
    );
    await approveProperty({ store }, { propertyId, gatewayId, meterId }, meta(superuser));
    meters.push({
      meterId,
      propertyId,
      spec: {
        identity: { meterId, privateKey, gatewayPublicKey },
        profile: 'residential',
        startWh: 1_000_000 + n * 1000,
        lastSeq: 0,
      },
    });
  }
  await vault.close();
  return {
    superuser,
    gatewayId,
    meters,
    serveEnv: {
      GATEWAY_ID: gatewayId,
      GATEWAY_KEY_FILE: gatewayKeyFile,
      VAULT_MASTER_KEY: masterKey.toString('base64'),
      LOOKUP_KEY: lookupKey.toString('base64'),
      LEDGER_SIGNING_KEY: randomBytes(32).toString('hex'),
    },
  };
}
