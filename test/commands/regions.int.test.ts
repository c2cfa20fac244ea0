// Region services on real Postgres: staff maintain states and cities, anyone else is refused.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addCity, addState, loadRegion } from '../../src/commands/regions.ts';
import { cityForPincode } from '../../src/domain/region/index.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { createAccountsFixture, expectCode, meta, registered } from './accounts-fixture.ts';

const fx = openedBeforeAll(createAccountsFixture);

describe('region services', () => {
  it('an admin adds a state and its cities; duplicates are refused', async () => {
    const admin = await registered(fx, 'admin');
    await addState(fx, { stateCode: 'KA', name: 'Karnataka' }, meta(admin));
    const city = {
      stateCode: 'KA',
      cityId: randomUUID(),
      name: 'Bengaluru',
      pincodeFrom: 560001,
      pincodeTo: 560110,
    };
    const { position, cityId } = await addCity(fx, city, meta(admin));
    expect(position).toEqual(expect.any(String));
    expect(cityId).toBe(city.cityId);
    await expectCode(
      addState(fx, { stateCode: 'KA', name: 'Karnataka' }, meta(admin)),
      'STATE_EXISTS',
    );
    await expectCode(addCity(fx, { ...city, cityId: randomUUID() }, meta(admin)), 'CITY_EXISTS');
    const region = await loadRegion(fx.store, 'KA');
    expect(cityForPincode(region, 560034)?.name).toBe('Bengaluru');
  });

  it('refuses customers and bad state codes', async () => {
    const customer = await registered(fx);
    await expectCode(
      addState(fx, { stateCode: 'MH', name: 'Maharashtra' }, meta(customer)),
      'NOT_AUTHORISED',
    );
    const admin = await registered(fx, 'admin');
    await expectCode(
      addState(fx, { stateCode: 'mh!', name: 'Maharashtra' }, meta(admin)),
      'INVALID_STATE_CODE',
    );
    const city = {
      stateCode: 'TN',
      cityId: randomUUID(),
      name: 'Chennai',
      pincodeFrom: 600001,
      pincodeTo: 600130,
    };
    await expectCode(addCity(fx, city, meta(admin)), 'STATE_NOT_FOUND');
    expect(await loadRegion(fx.store, 'MH')).toEqual({ status: 'absent' });
  });
});
