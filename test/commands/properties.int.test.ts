// Property services on real Postgres: the sealed address, approval with meter
// assignment (area checks, retry after a partial failure, compensation when
// the approval is refused after the meter was claimed), tenancy through the
// accounts' tenant directory, deactivation and a second missed reading.

import { describe, expect, it } from 'vitest';
import { loadMeter, loadProperty, stepMetadata } from '../../src/commands/inventory.ts';
import { assignMeter, disableGateway } from '../../src/commands/inventory.ts';
import {
  acceptInvitation,
  addProperty,
  approveProperty,
  deactivateProperty,
  disableForMissedReadings,
  flagMissedReading,
  inviteTenant,
  leaveProperty,
  rejectProperty,
} from '../../src/commands/properties.ts';
import { meterStream } from '../../src/domain/meter/index.ts';
import { propertyStream } from '../../src/domain/property/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { codeOf, createHarness, meta } from './properties-support.ts';

const h = openedBeforeAll(createHarness);

const types = async (store: EventStore, stream: string) =>
  (await store.readStream(stream)).map((e) => e.type);

describe('adding a property', () => {
  it('keeps house, building and street sealed; city, state and pincode in clear', async () => {
    const owner = await h.register('customer');
    const propertyId = await h.property(owner);
    const [added] = await h.deps.store.readStream(propertyStream(propertyId));
    expect(JSON.stringify(added?.data)).not.toContain('FC Road');
    expect(added?.data).toMatchObject({
      city: 'Pune',
      state: 'MH',
      pincode: '411001',
      ownerId: owner,
    });
    const address = added?.data.address as never;
    expect(await h.vault.open(address)).toMatchObject({
      houseNo: '12B',
      street: 'FC Road',
      city: 'Pune',
    });
  });

  it('refuses adding for someone else before sealing anything', async () => {
    const owner = await h.register('customer');
    const other = await h.register('customer');
    const propertyId = crypto.randomUUID();
    const address = {
      houseNo: '1',
      building: '',
      street: 'MG Road',
      city: 'Pune',
      state: 'MH',
      pincode: '411001',
    };
    const add = addProperty(
      h.deps,
      { propertyId, ownerId: owner, kind: 'commercial', address },
      meta(other),
    );
    expect(await codeOf(add)).toBe('NOT_OWNER');
    const badPin = { ...address, pincode: '41100' };
    const add2 = addProperty(
      h.deps,
      { propertyId, ownerId: owner, kind: 'commercial', address: badPin },
      meta(owner),
    );
    expect(await codeOf(add2)).toBe('INVALID_PROPERTY');
    const noStreet = addProperty(
      h.deps,
      { propertyId, ownerId: owner, kind: 'commercial', address: { ...address, street: ' ' } },
      meta(owner),
    );
    expect(await codeOf(noStreet)).toBe('INVALID_PROPERTY');
    expect(await h.deps.store.readStream(propertyStream(propertyId))).toEqual([]);
  });
});

describe('approval with meter assignment', () => {
  it('assigns the meter and approves the property', async () => {
    const owner = await h.register('customer');
    const { propertyId, meterId, gatewayId } = await h.approvedProperty(owner);
    expect(await loadProperty(h.deps.store, propertyId)).toMatchObject({
      status: 'approved',
      meterId,
      gatewayId,
    });
    expect(await loadMeter(h.deps.store, meterId)).toMatchObject({ propertyId, gatewayId });
  });

  it('only staff approve', async () => {
    const owner = await h.register('customer');
    const { propertyId, gatewayId, meterId } = await h.pendingProperty(owner);
    expect(
      await codeOf(approveProperty(h.deps, { propertyId, gatewayId, meterId }, meta(owner))),
    ).toBe('NOT_AUTHORISED');
  });

  it('refuses a gateway of another area and writes nothing', async () => {
    const owner = await h.register('customer');
    const propertyId = await h.property(owner);
    const gatewayId = await h.gateway({ state: 'KA', city: 'Bengaluru', pincode: '560001' });
    const meterId = await h.meter();
    expect(
      await codeOf(approveProperty(h.deps, { propertyId, gatewayId, meterId }, meta(h.admin))),
    ).toBe('AREA_MISMATCH');
    expect(await types(h.deps.store, meterStream(meterId))).toEqual(['MeterRegistered']);
    expect(await loadProperty(h.deps.store, propertyId)).toMatchObject({ status: 'pending' });
  });

  it('refuses a disabled gateway', async () => {
    const owner = await h.register('customer');
    const { propertyId, gatewayId, meterId } = await h.pendingProperty(owner);
    await disableGateway(h.deps, { gatewayId, reason: 'maintenance' }, meta(h.admin));
    const approve = approveProperty(h.deps, { propertyId, gatewayId, meterId }, meta(h.admin));
    expect(await codeOf(approve)).toBe('GATEWAY_DISABLED');
    expect(await types(h.deps.store, meterStream(meterId))).toEqual(['MeterRegistered']);
  });

  it('only staff reject, and a rejection needs a reason', async () => {
    const owner = await h.register('customer');
    const propertyId = await h.property(owner);
    const reject = (reason: string, actor: string) =>
      codeOf(rejectProperty(h.deps, { propertyId, reason }, meta(actor)));
    expect(await reject('not mine', owner)).toBe('NOT_AUTHORISED');
    expect(await reject('  ', h.admin)).toBe('REASON_REQUIRED');
    expect(await reject('no such street in Pune', h.admin)).toBe('no error');
    expect(await loadProperty(h.deps.store, propertyId)).toMatchObject({ status: 'rejected' });
  });

  it('refuses a meter already assigned to another property', async () => {
    const owner = await h.register('customer');
    const { meterId, gatewayId } = await h.approvedProperty(owner);
    const other = await h.property(owner);
    expect(
      await codeOf(
        approveProperty(h.deps, { propertyId: other, gatewayId, meterId }, meta(h.admin)),
      ),
    ).toBe('METER_ALREADY_ASSIGNED');
    expect(await loadProperty(h.deps.store, other)).toMatchObject({ status: 'pending' });
  });

  it('a retry after the meter step landed completes the approval without a second assignment', async () => {
    const owner = await h.register('customer');
    const { propertyId, gatewayId, meterId } = await h.pendingProperty(owner);
    const metadata = meta(h.admin);
    // The first attempt died after claiming the meter.
    await assignMeter(
      h.deps,
      { meterId, propertyId, gatewayId },
      stepMetadata(metadata, 'assign-meter'),
    );
    await approveProperty(h.deps, { propertyId, gatewayId, meterId }, metadata);
    await approveProperty(h.deps, { propertyId, gatewayId, meterId }, metadata);
    expect(await types(h.deps.store, meterStream(meterId))).toEqual([
      'MeterRegistered',
      'MeterAssigned',
    ]);
    expect(await types(h.deps.store, propertyStream(propertyId))).toEqual([
      'PropertyAdded',
      'PropertyApproved',
    ]);
  });

  it('releases the claimed meter when the approval is refused after the claim', async () => {
    const owner = await h.register('customer');
    const { propertyId, gatewayId, meterId } = await h.pendingProperty(owner);
    // Another admin rejects the property right after this approval claimed the meter.
    const store = h.deps.store;
    const racing: EventStore = Object.create(store, {
      append: {
        value: async (...args: Parameters<EventStore['append']>) => {
          const result = await store.append(...args);
          if (args[0] === meterStream(meterId))
            await rejectProperty(
              { store },
              { propertyId, reason: 'duplicate request' },
              meta(h.admin),
            );
          return result;
        },
      },
    });
    const code = await codeOf(
      approveProperty({ store: racing }, { propertyId, gatewayId, meterId }, meta(h.admin)),
    );
    expect(code).toBe('PROPERTY_NOT_PENDING');
    expect(await types(store, meterStream(meterId))).toEqual([
      'MeterRegistered',
      'MeterAssigned',
      'MeterUnassigned',
    ]);
    expect(await loadMeter(store, meterId)).toMatchObject({ propertyId: null });
  });
});

describe('tenancy through the services', () => {
  it('invites by username and mobile; leaving one tenancy leaves the other untouched', async () => {
    const owner = await h.register('customer');
    const tenant = await h.register('customer', 'tenant_asha', '9123456780');
    const first = await h.approvedProperty(owner);
    const second = await h.approvedProperty(owner);
    for (const [n, { propertyId }] of [first, second].entries()) {
      const invitationId = `inv-${n}`;
      const invited = await inviteTenant(
        h.deps,
        { propertyId, invitationId, username: 'Tenant_Asha', mobile: '9123456780' },
        meta(owner),
      );
      expect(invited.tenantId).toBe(tenant);
      await acceptInvitation(h.deps, { propertyId, invitationId }, meta(tenant));
    }
    await leaveProperty(h.deps, { propertyId: first.propertyId }, meta(tenant));
    expect(await loadProperty(h.deps.store, first.propertyId)).toMatchObject({ tenantId: null });
    expect(await loadProperty(h.deps.store, second.propertyId)).toMatchObject({ tenantId: tenant });
  });

  it('a wrong mobile finds no tenant, and nothing is written', async () => {
    const owner = await h.register('customer');
    await h.register('customer', 'tenant_ravi', '9988776655');
    const { propertyId } = await h.approvedProperty(owner);
    const input = {
      propertyId,
      invitationId: 'inv-x',
      username: 'tenant_ravi',
      mobile: '9000000000',
    };
    expect(await codeOf(inviteTenant(h.deps, input, meta(owner)))).toBe('TENANT_NOT_FOUND');
    expect(await types(h.deps.store, propertyStream(propertyId))).toEqual([
      'PropertyAdded',
      'PropertyApproved',
    ]);
  });

  it('only the owner invites', async () => {
    const owner = await h.register('customer');
    const intruder = await h.register('customer', 'intruder_1', '9811111111');
    const { propertyId } = await h.approvedProperty(owner);
    const input = {
      propertyId,
      invitationId: 'inv-y',
      username: 'intruder_1',
      mobile: '9811111111',
    };
    expect(await codeOf(inviteTenant(h.deps, input, meta(intruder)))).toBe('NOT_OWNER');
    // The same answer whether or not the username and mobile match: no probing accounts.
    const probe = { ...input, mobile: '9000000001' };
    expect(await codeOf(inviteTenant(h.deps, probe, meta(intruder)))).toBe('NOT_OWNER');
  });
});

describe('deactivation and missed readings', () => {
  it('deactivating releases the meter', async () => {
    const owner = await h.register('customer');
    const { propertyId, meterId } = await h.approvedProperty(owner);
    await deactivateProperty(h.deps, { propertyId, by: 'owner' }, meta(owner));
    expect(await loadProperty(h.deps.store, propertyId)).toMatchObject({ status: 'deactivated' });
    expect(await loadMeter(h.deps.store, meterId)).toMatchObject({ propertyId: null });
  });

  it('a second consecutive miss disables the property and its meter', async () => {
    const owner = await h.register('customer');
    const { propertyId, meterId } = await h.approvedProperty(owner);
    const billing = 'system:billrun';
    await flagMissedReading(
      h.deps,
      { propertyId, runId: 'run-1', period: '2026-01' },
      meta(billing),
    );
    const metadata = meta(billing);
    await disableForMissedReadings(h.deps, { propertyId, runId: 'run-2' }, metadata);
    await disableForMissedReadings(h.deps, { propertyId, runId: 'run-2' }, metadata);
    expect(await loadProperty(h.deps.store, propertyId)).toMatchObject({ status: 'disabled' });
    expect(await types(h.deps.store, meterStream(meterId))).toEqual([
      'MeterRegistered',
      'MeterAssigned',
      'MeterDisabled',
    ]);
  });

  it('an unflagged property is not disabled', async () => {
    const owner = await h.register('customer');
    const { propertyId } = await h.approvedProperty(owner);
    const code = await codeOf(
      disableForMissedReadings(h.deps, { propertyId, runId: 'r' }, meta('system:billrun')),
    );
    expect(code).toBe('NOT_FLAGGED');
  });
});
