// The demo data set as plain data: one state and city, a residential and a
// commercial tariff shaped after a Maharashtra distribution company's
// schedule (telescopic slabs, electricity duty, meter rent, late fee,
// missed-reading penalty), the staff and customer accounts, and the
// properties with the load each one draws. The seed (seed.ts) writes it
// through the ordinary services; nothing here does IO.

import type { LoadProfile } from '../../devices/load-curve.ts';
import type { PropertyKind, TariffVersion } from '../domain/tariff/index.ts';

export const DEMO_AREA = { state: 'MH', stateName: 'Maharashtra', city: 'Pune', pincode: '411001' };
export const DEMO_CITY = { cityId: 'pune', name: 'Pune', pincodeFrom: 411001, pincodeTo: 411062 };
export const DEMO_GATEWAY = { gatewayId: 'demo-gw-pune-1', name: 'Pune Camp substation' };

/** Version 1 of each tariff, in force from the first day of the financial year. */
export function demoTariffs(effectiveFrom: string): Record<PropertyKind, TariffVersion> {
  return {
    residential: {
      version: 1,
      effectiveFrom,
      mode: 'telescopic',
      slabs: [
        { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 471 },
        { fromWh: 100_000, toWh: 300_000, ratePaisePerKwh: 1029 },
        { fromWh: 300_000, toWh: 500_000, ratePaisePerKwh: 1455 },
        { fromWh: 500_000, toWh: null, ratePaisePerKwh: 1664 },
      ],
      fixedChargePaise: 12_800,
      taxes: [{ name: 'Electricity duty', basisPoints: 1600, base: 'energy+fixed' }],
      miscCharges: [{ name: 'Meter rent', amountPaise: 1_000 }],
      lateFeePaise: 5_000,
      missedReadingPenaltyPaise: 10_000,
      dueDays: 15,
    },
    commercial: {
      version: 1,
      effectiveFrom,
      mode: 'telescopic',
      slabs: [
        { fromWh: 0, toWh: 200_000, ratePaisePerKwh: 765 },
        { fromWh: 200_000, toWh: null, ratePaisePerKwh: 1308 },
      ],
      fixedChargePaise: 47_000,
      taxes: [
        { name: 'Electricity duty', basisPoints: 2100, base: 'energy+fixed' },
        { name: 'GST on meter rent', basisPoints: 1800, base: 'Meter rent' },
      ],
      miscCharges: [{ name: 'Meter rent', amountPaise: 2_500 }],
      lateFeePaise: 25_000,
      missedReadingPenaltyPaise: 50_000,
      dueDays: 21,
    },
  };
}

export type DemoRole = 'superuser' | 'admin' | 'customer';

export interface DemoPerson {
  key: string;
  role: DemoRole;
  username: string;
  name: string;
  email: string;
  mobile: string;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  person('super', 'superuser', 'demo-super', 'Suresh Kulkarni', '9800000001'),
  person('admin', 'admin', 'demo-admin', 'Anita Deshpande', '9800000002'),
  person('asha', 'customer', 'asha', 'Asha Patil', '9811100001'),
  person('ravi', 'customer', 'ravi', 'Ravi Joshi', '9811100002'),
  person('meera', 'customer', 'meera', 'Meera Iyer', '9811100003'),
  person('kiran', 'customer', 'kiran', 'Kiran Shah', '9811100004'),
  person('fatima', 'customer', 'fatima', 'Fatima Shaikh', '9811100005'),
];

function person(key: string, role: DemoRole, username: string, name: string, mobile: string) {
  const email = `${username}@demo.meterledger.example`;
  return { key, role, username, name, email, mobile };
}

export interface DemoProperty {
  /** Index: stable, it derives the property, meter and command ids. */
  n: number;
  owner: string;
  kind: PropertyKind;
  houseNo: string;
  building: string;
  street: string;
  /** Approved with a meter and a simulated load, or left pending for the admin. */
  approved: boolean;
  profile: LoadProfile;
  /** Size of the load against the profile's average household or shop. */
  scale: number;
}

const STREETS = ['MG Road', 'East Street', 'Moledina Road', 'Dastur Meher Road'];

/** 24 approved properties across five owners, and one awaiting approval. */
export const DEMO_PROPERTIES: readonly DemoProperty[] = [
  ...flats('asha', 0, 6, 'Sai Krupa Apartments'),
  ...flats('ravi', 6, 5, 'Shanti Niketan'),
  ...flats('meera', 11, 5, 'Lakshmi Heights'),
  ...shops('kiran', 16, 4),
  ...flats('fatima', 20, 2, 'Noor Manzil'),
  ...shops('fatima', 22, 2),
  { ...flat('fatima', 24, 'Noor Manzil', 3), approved: false },
];

function flat(owner: string, n: number, building: string, i: number): DemoProperty {
  return {
    ...{ n, owner, kind: 'residential', houseNo: `Flat ${101 + i}`, building },
    ...{ street: STREETS[n % STREETS.length]!, approved: true, profile: 'residential' },
    scale: 0.6 + ((n * 7) % 10) / 10,
  };
}

function flats(owner: string, from: number, count: number, building: string): DemoProperty[] {
  return Array.from({ length: count }, (_, i) => flat(owner, from + i, building, i));
}

function shops(owner: string, from: number, count: number): DemoProperty[] {
  return Array.from({ length: count }, (_, i) => ({
    ...{ n: from + i, owner, kind: 'commercial' as const, houseNo: `Shop ${i + 1}` },
    ...{ building: 'Camp Market', street: STREETS[(from + i) % STREETS.length]! },
    ...{ approved: true, profile: 'commercial' as const, scale: 0.4 + ((from + i) % 3) / 5 },
  }));
}

/** Meters in inventory: one per approved property and four spare for approvals. */
export const DEMO_SPARE_METERS = 4;

export const meterSerial = (n: number): string => `DEMO-MTR-${String(1001 + n)}`;
