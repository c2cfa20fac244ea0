-- The event log. `position` orders events within a transaction; readers order
-- by (transaction_id, position) and only read transactions older than every
-- running one, so a late-committing writer is never skipped (docs/eventstore.md).
CREATE SEQUENCE events_position_seq AS bigint;

CREATE TABLE events (
  position bigint PRIMARY KEY DEFAULT nextval('events_position_seq'),
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream text NOT NULL,
  revision bigint NOT NULL CHECK (revision >= 0),
  id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (stream, revision)
);

ALTER SEQUENCE events_position_seq OWNED BY events.position;

CREATE INDEX events_log_order ON events (transaction_id, position);

-- One row per stream: its current revision and last hash. Writers lock it
-- FOR UPDATE, which serialises appends to one stream (so 'any' is safe under
-- concurrency) and gives the next prevHash without reading the events table.
CREATE TABLE streams (
  stream text PRIMARY KEY,
  revision bigint NOT NULL,
  last_hash text NOT NULL
);
