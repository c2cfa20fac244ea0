// `ledger checkpoint`: appends signed checkpoints until every event in the log
// is covered (the server's checkpointer does the same periodically). Uses the
// ledger key from LEDGER_SIGNING_KEY or DATA_DIR/ledger-signing.key; prints
// only public material.

import { Command } from 'commander';
import { createCheckpoint, type StoredCheckpoint } from '../audit/checkpoint.ts';
import { loadLedgerKey, type LedgerKey } from '../audit/ledger-key.ts';
import type { EventStore } from '../eventstore/port.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

/** Checkpoints until nothing is left uncovered; returns what was written. */
export async function checkpointAll(
  store: EventStore,
  key: LedgerKey,
): Promise<StoredCheckpoint[]> {
  const written: StoredCheckpoint[] = [];
  for (;;) {
    const checkpoint = await createCheckpoint({ store, key });
    if (!checkpoint) return written;
    written.push(checkpoint);
  }
}

export function checkpointCommand(): Command {
  return new Command('checkpoint')
    .description('sign a checkpoint (Merkle root) over every event not yet checkpointed')
    .action(
      action(async (config) => {
        const key = await loadLedgerKey({
          env: process.env,
          dataDir: config.dataDir,
          nodeEnv: config.nodeEnv,
        });
        return withEventStore(config, async ({ store }) => {
          const written = await checkpointAll(store, key);
          if (written.length === 0) process.stdout.write('Nothing new to checkpoint.\n');
          for (const { event, checkpoint } of written)
            process.stdout.write(
              `Checkpoint ${event.id}: ${checkpoint.eventCount} events up to ${checkpoint.toPosition}, root ${checkpoint.merkleRoot}, key ${checkpoint.publicKey}\n`,
            );
        });
      }),
    );
}
