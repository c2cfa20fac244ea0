// `ledger rotate-lookup-key`: reserves every live account's email under the
// current LOOKUP_KEY (and any LOOKUP_PREVIOUS_KEYS it lacks), with a progress
// bar on stderr, then says whether the previous keys can be dropped. Run it
// after every server has been restarted with the new LOOKUP_KEY and the old
// one in LOOKUP_PREVIOUS_KEYS; it is idempotent, so run it again after any
// interruption. Only key ids and account ids are printed, never an email.

import { Command } from 'commander';
import cliProgress from 'cli-progress';
import {
  accountIdsFromLog,
  accountIdsFromStreams,
  rotateEmailLookups,
} from '../commands/rotate-email-lookups.ts';
import { loadWebConfig } from '../config.ts';
import { openAesVault } from '../privacy/aes-vault.ts';
import { lookupKeyId } from '../privacy/lookup.ts';
import { migratePrivacy } from '../privacy/migrate.ts';
import { configuredKeys } from '../web/deps.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

export function rotateLookupKeyCommand(): Command {
  return new Command('rotate-lookup-key')
    .description(
      'reserve every live email under LOOKUP_KEY so LOOKUP_PREVIOUS_KEYS can be dropped (idempotent, safe while servers run)',
    )
    .action(
      action(async (config) => {
        const keys = await configuredKeys(config, loadWebConfig());
        const previousIds = keys.previousLookupKeys.map(lookupKeyId);
        return withEventStore(config, async ({ store, db }) => {
          await migratePrivacy(db);
          const vault = await openAesVault({
            db,
            masterKey: keys.masterKey,
            previousMasterKeys: keys.previousMasterKeys,
          });
          const bar = new cliProgress.SingleBar(
            {
              format: 'rotate-lookup-key [{bar}] {value}/{total} accounts {percentage}%',
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          );
          process.stdout.write(
            `Current lookup key ${lookupKeyId(keys.lookupKey)}; previous: ${previousIds.join(', ') || 'none'}.\n`,
          );
          bar.start(0, 0);
          const started = Date.now();
          let result;
          try {
            result = await rotateEmailLookups(
              {
                store,
                vault,
                lookupKey: keys.lookupKey,
                previousLookupKeys: keys.previousLookupKeys,
              },
              {
                listAccounts:
                  store.kind === 'kurrentdb' ? accountIdsFromLog(store) : accountIdsFromStreams(db),
                onProgress: (done, total) => {
                  bar.setTotal(total);
                  bar.update(done);
                },
              },
            );
          } finally {
            bar.stop();
            await vault.close();
          }
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          process.stdout.write(
            `Checked ${result.accounts} live accounts in ${seconds} s; added ${result.added} email reservations.\n`,
          );
          if (result.conflicts.length > 0) {
            process.stdout.write(
              `The email of ${result.conflicts.length} accounts is held by another account under some key ` +
                `(a sign-up in flight: run again; or two accounts already shared an address):\n` +
                result.conflicts.map((id) => `  ${id}\n`).join(''),
            );
            return 1;
          }
          process.stdout.write(
            `Every live email is reserved under lookup key ${lookupKeyId(keys.lookupKey)}. ` +
              'If every server was already running with this LOOKUP_KEY when this run started, ' +
              'LOOKUP_PREVIOUS_KEYS can now be emptied (servers first, one at a time).\n',
          );
          return 0;
        });
      }),
    );
}
