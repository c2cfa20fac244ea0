// The event store contract on KurrentDB. KurrentDB cannot run on the
// development machine (no server, no container runtime), so this suite runs
// only where KURRENTDB_URL points at a server, e.g.
//   KURRENTDB_URL='kurrentdb://127.0.0.1:2113?tls=false' npx vitest run test/eventstore/kurrentdb.int.test.ts
// Stream names are random per test, so a server holding earlier runs' events
// is fine. There is no SQL under KurrentDB, so the tampering tests do not run.

import { describe } from 'vitest';
import { kurrentDbEventStore } from '../../src/eventstore/kurrentdb.ts';
import { runEventStoreContract } from './contract.ts';

const url = process.env.KURRENTDB_URL;

describe.runIf(url)('KurrentDB adapter', () => {
  runEventStoreContract(
    'kurrentdb',
    async () => {
      const store = kurrentDbEventStore(url!);
      return { store, close: () => store.close() };
    },
    { canTamper: false },
  );
});
