// `ledger verify-chain`: walks the whole event log (or one stream) through
// the hash-chain verifier and prints the first broken link, or OK. Exit code
// 1 when a link is broken, so scripts and cron jobs can alert on it.

import { Command } from 'commander';
import {
  verifyStore,
  verifyStream,
  type ChainBreak,
  type ChainBreakReason,
} from '../eventstore/integrity.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

const EXPLANATIONS: Record<ChainBreakReason, string> = {
  content_changed: 'the event no longer hashes to its stored hash (it was edited)',
  revision_gap: 'the revision before it is missing (an event was deleted)',
  out_of_order: 'it does not come after the previous revision (events reordered or duplicated)',
  prev_hash_mismatch:
    "its prevHash is not the previous event's hash (events reordered or relinked)",
  truncated: "the stream's recorded head is past its last event (its tail was deleted)",
};

export const describeBreak = (broken: ChainBreak): string =>
  `BROKEN: stream ${broken.stream} at revision ${broken.revision}: ${broken.reason}: ${EXPLANATIONS[broken.reason]}`;

interface VerifyOptions {
  stream?: string;
  heads: boolean;
}

export function verifyChainCommand(): Command {
  return new Command('verify-chain')
    .description('verify the hash chains of the event log; exit code 1 on the first broken link')
    .option('-s, --stream <name>', 'verify only this stream')
    .option('--no-heads', 'skip comparing stream heads (use while writers are running)')
    .action(
      action(async (config, options: VerifyOptions) =>
        withEventStore(config, async ({ store }) => {
          const broken = options.stream
            ? verifyStream(await store.readStream(options.stream))
            : await verifyStore(store, { checkHeads: options.heads });
          if (broken) {
            process.stdout.write(`${describeBreak(broken)}\n`);
            return 1;
          }
          const scope = options.stream ? `stream ${options.stream}` : 'every stream';
          process.stdout.write(`OK: hash chains intact in ${scope} (${store.kind})\n`);
          return 0;
        }),
      ),
    );
}
