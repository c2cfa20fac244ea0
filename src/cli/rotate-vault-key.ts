// `ledger rotate-vault-key`: re-wraps every person's data key that is still
// under a previous master key (VAULT_PREVIOUS_MASTER_KEYS) with the current
// one (VAULT_MASTER_KEY), in batches with a progress bar on stderr, then says
// whether the previous keys can be dropped. Safe while servers run (they must
// already know both keys) and resumable: run it again after any interruption.
// Only key ids (short hashes) are printed, never keys or personal data.

import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { loadWebConfig } from '../config.ts';
import type { SqlDatabase } from '../db/sql.ts';
import { masterKeyring, type MasterKeyring } from '../privacy/master-keys.ts';
import { migratePrivacy } from '../privacy/migrate.ts';
import {
  countStaleKeys,
  countWrappedKeys,
  rewrapSubjectKeys,
  type WrappedKeyCount,
} from '../privacy/rewrap.ts';
import { configuredKeys } from '../web/deps.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

export const positiveInteger = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
};

const describeCounts = (counts: WrappedKeyCount[], currentId: string): string =>
  counts.length === 0
    ? '  (no subject keys)\n'
    : counts
        .map(({ keyId, keys }) => {
          const label =
            keyId === null
              ? 'no key id (wrapped before ids were recorded)'
              : `master key ${keyId}${keyId === currentId ? ' (current)' : ''}`;
          return `  ${keys} under ${label}\n`;
        })
        .join('');

/** Re-wraps with a progress bar; returns the exit code. */
export async function rotateVaultKey(
  db: SqlDatabase,
  keyring: MasterKeyring,
  options: { batchSize: number; out: NodeJS.WritableStream; progress: NodeJS.WritableStream },
): Promise<number> {
  const { out } = options;
  await migratePrivacy(db);
  out.write(
    `Current master key ${keyring.currentId}; previous: ${keyring.ids.slice(1).join(', ') || 'none'}.\n` +
      `Subject keys before:\n${describeCounts(await countWrappedKeys(db), keyring.currentId)}`,
  );
  const total = await countStaleKeys(db, keyring.currentId);
  const bar = new cliProgress.SingleBar(
    {
      format: 'rotate-vault-key [{bar}] {value}/{total} keys {percentage}% | {eta_formatted} left',
      stream: options.progress,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  const started = Date.now();
  let result;
  try {
    result = await rewrapSubjectKeys({
      db,
      keyring,
      batchSize: options.batchSize,
      onProgress: (handled) => bar.update(handled, { total: Math.max(total, handled) }),
    });
  } finally {
    bar.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const after = await countWrappedKeys(db);
  out.write(
    `Re-wrapped ${result.rewrapped} keys in ${seconds.toFixed(1)} s` +
      ` (${result.skipped} skipped: forgotten or re-wrapped by another run meanwhile).\n` +
      `Subject keys after:\n${describeCounts(after, keyring.currentId)}`,
  );
  const left = after.filter((c) => c.keyId !== keyring.currentId);
  if (left.length > 0) {
    out.write('Some keys are still under an old master key (written meanwhile?): run again.\n');
    return 1;
  }
  out.write(
    `Every subject key is wrapped under ${keyring.currentId}. Once every server runs with this ` +
      'VAULT_MASTER_KEY, VAULT_PREVIOUS_MASTER_KEYS can be emptied. Keep the old keys as long as ' +
      'backups taken before now are kept: those backups need them.\n',
  );
  return 0;
}

export function rotateVaultKeyCommand(): Command {
  return new Command('rotate-vault-key')
    .description(
      're-wrap personal-data keys still under a VAULT_PREVIOUS_MASTER_KEYS key with VAULT_MASTER_KEY (resumable, safe while servers run)',
    )
    .option('--batch-size <rows>', 'rows read and updated per statement', positiveInteger, 500)
    .action(
      action(async (config, options: { batchSize: number }) => {
        const keys = await configuredKeys(config, loadWebConfig());
        const keyring = masterKeyring(keys.masterKey, keys.previousMasterKeys);
        try {
          return await withEventStore(config, ({ db }) =>
            rotateVaultKey(db, keyring, {
              batchSize: options.batchSize,
              out: process.stdout,
              progress: process.stderr,
            }),
          );
        } finally {
          keyring.wipe();
        }
      }),
    );
}
