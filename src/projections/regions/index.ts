// Read model `regions`: every state with its cities and their PIN code
// ranges, so the dashboard can list them all; the `region-<stateCode>` streams
// stay the source of truth that commands fold.

import type { SqlExecutor } from '../../db/sql.ts';
import { regionEvents } from '../../domain/region/events.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE regions (
  state_code text PRIMARY KEY,
  name text NOT NULL,
  added_at timestamptz NOT NULL
);
CREATE TABLE region_cities (
  city_id text PRIMARY KEY,
  state_code text NOT NULL,
  name text NOT NULL,
  pincode_from integer NOT NULL,
  pincode_to integer NOT NULL
);
CREATE INDEX region_cities_state ON region_cities (state_code, pincode_from)`;

const d = dataReader(regionEvents);

export const regionsProjection: Projection = {
  name: 'regions',
  version: 1,
  schemaSql,
  tables: ['regions', 'region_cities'],
  handlers: {
    StateAdded: async (tx, e) => {
      const s = d('StateAdded', e);
      await tx.query(
        `INSERT INTO regions (state_code, name, added_at) VALUES ($1, $2, $3)
         ON CONFLICT (state_code) DO NOTHING`,
        [streamId(e), s.name, s.at],
      );
    },
    CityAdded: async (tx, e) => {
      const c = d('CityAdded', e);
      await tx.query(
        `INSERT INTO region_cities (city_id, state_code, name, pincode_from, pincode_to)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (city_id) DO NOTHING`,
        [c.cityId, streamId(e), c.name, c.pincodeFrom, c.pincodeTo],
      );
    },
  },
};

export interface RegionRow {
  stateCode: string;
  name: string;
  cities: { cityId: string; name: string; pincodeFrom: number; pincodeTo: number }[];
}

/** Every state by code, each with its cities in PIN code order. */
export async function listRegions(db: SqlExecutor): Promise<RegionRow[]> {
  const { rows } = await db.query<RegionRow>(
    `SELECT r.state_code AS "stateCode", r.name,
       coalesce(json_agg(json_build_object('cityId', c.city_id, 'name', c.name,
         'pincodeFrom', c.pincode_from, 'pincodeTo', c.pincode_to) ORDER BY c.pincode_from)
         FILTER (WHERE c.city_id IS NOT NULL), '[]') AS cities
     FROM read.regions r LEFT JOIN read.region_cities c ON c.state_code = r.state_code
     GROUP BY r.state_code, r.name ORDER BY r.state_code`,
  );
  return rows;
}
