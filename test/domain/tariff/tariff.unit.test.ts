import { describe, expect, it } from 'vitest';
import {
  tariffDecider,
  tariffInForce,
  tariffStream,
  validateTariff,
  type PublishTariffVersion,
  type TariffEvent,
  type TariffVersion,
} from '../../../src/domain/tariff/index.ts';
import { given } from '../../support/decider-spec.ts';

describe('tariff decider: PublishTariffVersion', () => {
  it('publishes the first version of a kind', () => {
    given(tariffDecider)
      .when(publish(v1))
      .then([published(v1)]);
  });

  it('publishes a later version with a later effective date', () => {
    given(tariffDecider, [published(v1)])
      .when(publish(v2))
      .then([published(v2)]);
  });

  it('rejects a version number that does not increase', () => {
    given(tariffDecider, [published(v2)])
      .when(publish({ ...v2, effectiveFrom: '2027-01-01' }))
      .thenFails('VERSION_NOT_INCREASING');
  });

  it('rejects an effective date that is not strictly later', () => {
    given(tariffDecider, [published(v1)])
      .when(publish({ ...v2, effectiveFrom: v1.effectiveFrom }))
      .thenFails('EFFECTIVE_DATE_NOT_LATER');
  });

  it('rejects a later version taking effect before the day it is published', () => {
    const late = { ...v2, effectiveFrom: '2026-01-31' };
    given(tariffDecider, [published(v1)])
      .when(publish(late, 'residential', '2026-02-01T00:00:00.000Z'))
      .thenFails('EFFECTIVE_DATE_IN_PAST');
    given(tariffDecider, [published(v1)])
      .when(publish(late, 'residential', '2026-01-31T23:00:00.000Z'))
      .then([published(late, '2026-01-31T23:00:00.000Z')]);
  });

  it('lets the first version be back-dated: no bill can predate every tariff', () => {
    given(tariffDecider)
      .when(publish(v1, 'residential', '2026-03-01T00:00:00.000Z'))
      .then([published(v1, '2026-03-01T00:00:00.000Z')]);
  });

  it('rejects a version for another kind on the same stream', () => {
    given(tariffDecider, [published(v1)])
      .when(publish(v2, 'commercial'))
      .thenFails('KIND_MISMATCH');
  });

  it('rejects invalid terms with the validation code', () => {
    given(tariffDecider)
      .when(publish({ ...v1, dueDays: 0 }))
      .thenFails('INVALID_DUE_DAYS');
  });

  it('folds versions into state in order', () => {
    const { state } = given(tariffDecider, [published(v1), published(v2)]);
    expect(state).toEqual({ status: 'published', kind: 'residential', versions: [v1, v2] });
    expect(tariffStream('residential')).toBe('tariff-residential');
  });
});

describe('validateTariff', () => {
  const cases: [string, Partial<TariffVersion>][] = [
    ['INVALID_VERSION', { version: 0 }],
    ['INVALID_EFFECTIVE_DATE', { effectiveFrom: '2026-02-30' }],
    ['INVALID_DUE_DAYS', { dueDays: 91 }],
    ['INVALID_MODE', { mode: 'flat' as TariffVersion['mode'] }],
    ['INVALID_CHARGE_NAME', { miscCharges: [{ name: ' RENT', amountPaise: 1 }] }],
    ['INVALID_CHARGE_NAME', { taxes: [{ name: '', basisPoints: 1, base: 'energy' }] }],
    ['NO_SLABS', { slabs: [] }],
    ['SLABS_NOT_FROM_ZERO', { slabs: [{ fromWh: 1, toWh: null, ratePaisePerKwh: 1 }] }],
    ['SLAB_GAP', { slabs: [slab(0, 100_000, 300), slab(100_001, null, 500)] }],
    ['SLAB_OVERLAP', { slabs: [slab(0, 100_000, 300), slab(99_000, null, 500)] }],
    ['SLAB_EMPTY', { slabs: [slab(0, 0, 300), slab(0, null, 500)] }],
    ['OPEN_SLAB_NOT_LAST', { slabs: [slab(0, null, 300), slab(100_000, null, 500)] }],
    ['NO_OPEN_TOP_SLAB', { slabs: [slab(0, 100_000, 300)] }],
    ['INVALID_RATE', { slabs: [slab(0, null, 2.5)] }],
    ['INVALID_RATE', { slabs: [slab(0, null, -1)] }],
    ['INVALID_RATE', { taxes: [{ name: 'GST', basisPoints: 1.5, base: 'energy' }] }],
    ['INVALID_AMOUNT', { fixedChargePaise: -100 }],
    ['INVALID_AMOUNT', { miscCharges: [{ name: 'RENT', amountPaise: 0.5 }] }],
    [
      'DUPLICATE_CHARGE_NAME',
      {
        taxes: [{ name: 'RENT', basisPoints: 500, base: 'energy' }],
        miscCharges: [{ name: 'RENT', amountPaise: 4500 }],
      },
    ],
    ['RESERVED_CHARGE_NAME', { miscCharges: [{ name: 'energy', amountPaise: 1 }] }],
    ['UNKNOWN_TAX_BASE', { taxes: [{ name: 'CESS', basisPoints: 100, base: 'SGST' }] }],
  ];
  it.each(cases)('reports %s', (code, change) => {
    expect(validateTariff({ ...v1, ...change })?.code).toBe(code);
  });

  it('accepts a tax on a misc charge and on energy+fixed', () => {
    const terms: TariffVersion = {
      ...v1,
      taxes: [
        { name: 'ED', basisPoints: 600, base: 'energy+fixed' },
        { name: 'RENT-GST', basisPoints: 1800, base: 'RENT' },
      ],
    };
    expect(validateTariff(terms)).toBeNull();
  });
});

describe('tariffInForce', () => {
  it('picks the latest version effective on or before the date', () => {
    expect(tariffInForce([v1, v2], '2026-03-31')).toBe(v1);
    expect(tariffInForce([v1, v2], '2026-04-01')).toBe(v2);
    expect(tariffInForce([v2, v1], '2030-01-01')).toBe(v2);
  });
  it('is null before the first version', () => {
    expect(tariffInForce([v1, v2], '2025-12-31')).toBeNull();
    expect(tariffInForce([], '2026-06-01')).toBeNull();
  });
});

function slab(fromWh: number, toWh: number | null, ratePaisePerKwh: number) {
  return { fromWh, toWh, ratePaisePerKwh };
}

const v1: TariffVersion = {
  version: 1,
  effectiveFrom: '2026-01-01',
  mode: 'telescopic',
  slabs: [slab(0, 100_000, 300), slab(100_000, 300_000, 650), slab(300_000, null, 900)],
  fixedChargePaise: 5000,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' }],
  miscCharges: [{ name: 'RENT', amountPaise: 4500 }],
  lateFeePaise: 10000,
  missedReadingPenaltyPaise: 20000,
  dueDays: 15,
};
const v2: TariffVersion = {
  ...v1,
  version: 2,
  effectiveFrom: '2026-04-01',
  fixedChargePaise: 6000,
};

function publish(
  terms: TariffVersion,
  kind: 'residential' | 'commercial' = 'residential',
  now = '2025-12-20T10:00:00.000Z',
) {
  const command: PublishTariffVersion = {
    type: 'PublishTariffVersion',
    data: { kind, terms },
    metadata: { now, commandId: 'c-1', actor: 'super-1' },
  };
  return command;
}

function published(terms: TariffVersion, publishedAt = '2025-12-20T10:00:00.000Z'): TariffEvent {
  return {
    type: 'TariffVersionPublished',
    data: {
      ...terms,
      kind: 'residential',
      publishedAt,
      publishedBy: 'super-1',
    },
  };
}
