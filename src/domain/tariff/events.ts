// Tariff streams (`tariff-<propertyKind>`): the versioned price list for one
// kind of property. Versions are only ever added; a bill names the version it
// used, so an auditor can recompute it years later from this stream alone.

import { z } from 'zod';
import { propertyKinds, type PropertyKind } from '../property/events.ts';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

// A tariff is per kind of property; the kinds are the property domain's.
export { propertyKinds, type PropertyKind };

const nonNegativeInt = z.number().int().nonnegative();

export const slabSchema = z.object({
  fromWh: nonNegativeInt,
  /** Exclusive of `fromWh`, inclusive of `toWh`; null for the open-ended top slab. */
  toWh: nonNegativeInt.nullable(),
  ratePaisePerKwh: nonNegativeInt,
});

export const taxSchema = z.object({
  name: z.string().min(1),
  basisPoints: nonNegativeInt,
  /** 'energy', 'energy+fixed', or the name of a misc charge. */
  base: z.string().min(1),
});

export const miscChargeSchema = z.object({ name: z.string().min(1), amountPaise: nonNegativeInt });

export const tariffTermsSchema = z.object({
  version: z.number().int().positive(),
  /** ISO date (YYYY-MM-DD) from which this version applies. */
  effectiveFrom: z.string(),
  mode: z.enum(['telescopic', 'volume']),
  slabs: z.array(slabSchema),
  fixedChargePaise: nonNegativeInt,
  taxes: z.array(taxSchema),
  miscCharges: z.array(miscChargeSchema),
  lateFeePaise: nonNegativeInt,
  missedReadingPenaltyPaise: nonNegativeInt,
  dueDays: z.number().int(),
});

export type Slab = z.infer<typeof slabSchema>;
export type Tax = z.infer<typeof taxSchema>;
export type MiscCharge = z.infer<typeof miscChargeSchema>;
/** One published tariff version: everything a bill calculation needs. */
export type TariffVersion = z.infer<typeof tariffTermsSchema>;

export const tariffEvents = defineEvents(
  'tariff',
  'Versioned tariff for one property kind (residential | commercial).',
  {
    TariffVersionPublished: tariffTermsSchema.extend({
      kind: z.enum(propertyKinds),
      publishedAt: z.string(),
      publishedBy: z.string(),
    }),
  },
);

export type TariffEvent = EventsOf<typeof tariffEvents>;

export type TariffState =
  | { status: 'unpublished' }
  | { status: 'published'; kind: PropertyKind; versions: TariffVersion[] };

export const initialState: TariffState = { status: 'unpublished' };

export function evolve(state: TariffState, event: TariffEvent): TariffState {
  switch (event.type) {
    case 'TariffVersionPublished': {
      const { kind, publishedAt: _at, publishedBy: _by, ...terms } = event.data;
      const versions = state.status === 'published' ? state.versions : [];
      return { status: 'published', kind, versions: [...versions, terms] };
    }
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

export const tariffStream = (kind: PropertyKind): string => streamName('tariff', kind);
