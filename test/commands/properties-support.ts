// Shared setup for the property and inventory service suites: a real Postgres
// store and AES vault, accounts registered through the accounts service, and
// helpers that build a gateway, a meter and an approved property.

import { randomBytes, randomUUID } from 'node:crypto';
import { createTenantDirectory, registerAccount } from '../../src/commands/accounts.ts';
import { registerGateway, registerMeter } from '../../src/commands/inventory.ts';
import { addProperty, approveProperty, type PropertyDeps } from '../../src/commands/properties.ts';
import { BOOTSTRAP_ACTOR, type Role } from '../../src/domain/account/index.ts';
import { DomainError, type CommandMetadata } from '../../src/domain/shared/decider.ts';
import { openAesVault, type AesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

// Public keys of the secret keys 0x0101…01 and 0x0202…02.
export const KEY_A = '031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f';
export const KEY_B = '024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766';
export const NOW = '2026-02-01T09:00:00.000Z';
export const PUNE = { state: 'MH', city: 'Pune', pincode: '411001' };

export const meta = (actor: string, now = NOW): CommandMetadata => ({
  now,
  commandId: randomUUID(),
  actor,
});

/** The domain error code a promise rejects with, or 'no error'. */
export const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

export interface Harness {
  testStore: PostgresTestStore;
  vault: AesVault;
  deps: PropertyDeps;
  /** An admin account, registered by the bootstrap actor. */
  admin: string;
  register(role: Role, username?: string, mobile?: string): Promise<string>;
  gateway(area?: typeof PUNE): Promise<string>;
  meter(serial?: string): Promise<string>;
  property(ownerId: string, area?: typeof PUNE): Promise<string>;
  /** A pending property with a gateway and a meter of its area, ready to approve. */
  pendingProperty(
    ownerId: string,
  ): Promise<{ propertyId: string; meterId: string; gatewayId: string }>;
  approvedProperty(
    ownerId: string,
  ): Promise<{ propertyId: string; meterId: string; gatewayId: string }>;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const testStore = await createPostgresTestStore();
  await migratePrivacy(testStore.db);
  const vault = await openAesVault({ db: testStore.db, masterKey: randomBytes(32) });
  const store = testStore.store;
  const deps: PropertyDeps = { store, vault, tenants: createTenantDirectory({ store, vault }) };
  const accountDeps = { store, vault, lookupKey: randomBytes(32) };
  let counter = 0;

  const h: Harness = {
    testStore,
    vault,
    deps,
    admin: '',
    async register(role, username, mobile) {
      const accountId = randomUUID();
      counter++;
      await registerAccount(
        accountDeps,
        {
          accountId,
          role,
          username: username ?? `user${counter}${randomBytes(3).toString('hex')}`,
          name: `Person ${counter}`,
          email: `${accountId}@example.com`,
          mobile: mobile ?? `98${String(counter).padStart(8, '0')}`,
          consentGivenAt: NOW,
        },
        meta(BOOTSTRAP_ACTOR),
      );
      return accountId;
    },
    async gateway(area = PUNE) {
      const gatewayId = randomUUID();
      await registerGateway(
        deps,
        { gatewayId, name: `GW ${area.city}`, ...area, publicKey: KEY_B },
        meta(h.admin),
      );
      return gatewayId;
    },
    async meter(serial) {
      const meterId = randomUUID();
      const s = serial ?? `SN-${randomBytes(4).toString('hex')}`;
      await registerMeter(
        deps,
        { meterId, serial: s, publicKey: KEY_A, kind: 'single-phase' },
        meta(h.admin),
      );
      return meterId;
    },
    async property(ownerId, area = PUNE) {
      const propertyId = randomUUID();
      const address = { houseNo: '12B', building: 'Lotus Court', street: 'FC Road', ...area };
      await addProperty(deps, { propertyId, ownerId, kind: 'residential', address }, meta(ownerId));
      return propertyId;
    },
    async pendingProperty(ownerId) {
      const [propertyId, gatewayId, meterId] = await Promise.all([
        h.property(ownerId),
        h.gateway(),
        h.meter(),
      ]);
      return { propertyId, gatewayId, meterId };
    },
    async approvedProperty(ownerId) {
      const pending = await h.pendingProperty(ownerId);
      await approveProperty(deps, pending, meta(h.admin));
      return pending;
    },
    async close() {
      await vault.close();
      await testStore.close();
    },
  };
  h.admin = await h.register('admin');
  return h;
}
