import { describe, expect, it } from 'vitest';
import {
  cityForPincode,
  regionDecider,
  regionEvents,
  type RegionCommand,
  type RegionEvent,
} from '../../../src/domain/region/index.ts';
import { given } from '../../support/decider-spec.ts';

describe('region decider', () => {
  describe('AddState', () => {
    it('adds a state with a tidied name', () => {
      given(regionDecider).when(addState('KA', '  Karnataka ')).then([stateAdded]);
    });
    it('rejects a duplicate state', () => {
      given(regionDecider, [stateAdded])
        .when(addState('KA', 'Karnataka'))
        .thenFails('STATE_EXISTS');
    });
    it('rejects a bad code or a blank name', () => {
      for (const code of ['ka', 'KAR', 'K1', ''])
        given(regionDecider).when(addState(code, 'Karnataka')).thenFails('INVALID_STATE_CODE');
      given(regionDecider).when(addState('KA', '  ')).thenFails('INVALID_NAME');
    });
  });

  describe('AddCity', () => {
    it('adds a city with its PIN code range', () => {
      given(regionDecider, [stateAdded])
        .when(addCity(C1, 'Bengaluru', 560001, 560110))
        .then([bengaluru]);
    });
    it('rejects a city before its state', () => {
      given(regionDecider)
        .when(addCity(C1, 'Bengaluru', 560001, 560110))
        .thenFails('STATE_NOT_FOUND');
    });
    it('rejects a duplicate name (any case) or id', () => {
      given(regionDecider, [stateAdded, bengaluru])
        .when(addCity(C2, 'BENGALURU', 570001, 570030))
        .thenFails('CITY_EXISTS');
      given(regionDecider, [stateAdded, bengaluru])
        .when(addCity(C1, 'Mysuru', 570001, 570030))
        .thenFails('CITY_EXISTS');
    });
    it('rejects a blank name and bad or reversed ranges', () => {
      given(regionDecider, [stateAdded])
        .when(addCity(C2, ' ', 570001, 570030))
        .thenFails('INVALID_NAME');
      for (const [from, to] of [
        [570030, 570001],
        [57000, 570030],
        [570001, 1000000],
        [570001.5, 570030],
        [100000, 100010],
      ] as const)
        given(regionDecider, [stateAdded])
          .when(addCity(C2, 'Mysuru', from, to))
          .thenFails('INVALID_PINCODE_RANGE');
    });
    it('rejects a range overlapping another city, including touching ends', () => {
      given(regionDecider, [stateAdded, bengaluru])
        .when(addCity(C2, 'Hosakote', 560110, 560120))
        .thenFails('PINCODE_RANGE_OVERLAPS');
      given(regionDecider, [stateAdded, bengaluru])
        .when(addCity(C2, 'Inner', 560050, 560060))
        .thenFails('PINCODE_RANGE_OVERLAPS');
    });
  });

  it('finds the city of a PIN code', () => {
    const { state } = given(regionDecider, [stateAdded, bengaluru]);
    expect(cityForPincode(state, 560034)?.name).toBe('Bengaluru');
    expect(cityForPincode(state, 570001)).toBeNull();
  });

  it('emits events that match the catalog', () => {
    for (const event of [stateAdded, bengaluru])
      expect(() => regionEvents.schemas[event.type].parse(event.data)).not.toThrow();
  });

  // Fixtures
  const NOW = '2026-03-01T10:00:00.000Z';
  const C1 = '3e1f0a2b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
  const C2 = '4f2a1b3c-5d6e-4f7a-9b8c-0d1e2f3a4b5c';
  const metadata = { now: NOW, commandId: 'c1', actor: 'admin-1' };
  const addState = (stateCode: string, name: string): RegionCommand => ({
    type: 'AddState',
    data: { stateCode, name },
    metadata,
  });
  const addCity = (cityId: string, name: string, from: number, to: number): RegionCommand => ({
    type: 'AddCity',
    data: { cityId, name, pincodeFrom: from, pincodeTo: to },
    metadata,
  });
  const stateAdded: RegionEvent = {
    type: 'StateAdded',
    data: { stateCode: 'KA', name: 'Karnataka', at: NOW },
  };
  const bengaluru: RegionEvent = {
    type: 'CityAdded',
    data: { cityId: C1, name: 'Bengaluru', pincodeFrom: 560001, pincodeTo: 560110, at: NOW },
  };
});
