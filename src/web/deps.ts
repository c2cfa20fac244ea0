// Opens what authentication needs from configuration, for `ledger serve` and
// `ledger bootstrap-admin`: the vault (on the SQL database beside the event
// store), the lookup key, the key-value store (Redis or in-process) and the
// notifier. Outside production, unset keys are generated once into
// DATA_DIR/secrets.json (mode 0600) so data sealed today opens tomorrow.
// In memory mode a CLI process hands its one-time links to the next server
// start through DATA_DIR/pending-keys.json, read and deleted on open.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import {
  memoryKeyValueStore,
  redisKeyValueStore,
  type KeyValueEntry,
  type KeyValueStore,
} from '../auth/kv.ts';
import type { Config, WebConfig } from '../config.ts';
import type { SqlDatabase } from '../db/sql.ts';
import { createNotifier } from '../notify/index.ts';
import { openAesVault } from '../privacy/aes-vault.ts';
import { migratePrivacy } from '../privacy/migrate.ts';
import type { AuthOptions } from './app.ts';

export interface OpenedAuthDeps {
  auth: AuthOptions;
  /** Writes in-memory one-time keys for the next server start (memory mode only). */
  handOver(): Promise<void>;
  close(): Promise<void>;
}

type Secrets = { vaultMasterKey: string; lookupKey: string };

async function devSecrets(dataDir: string): Promise<Secrets> {
  const file = join(dataDir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Secrets;
  } catch {
    const secrets: Secrets = {
      vaultMasterKey: randomBytes(32).toString('base64'),
      lookupKey: randomBytes(32).toString('base64'),
    };
    await mkdir(dataDir, { recursive: true });
    // 'wx': if another process created it meanwhile, fail and read theirs instead.
    await writeFile(file, JSON.stringify(secrets), { mode: 0o600, flag: 'wx' }).catch(
      () => undefined,
    );
    return JSON.parse(await readFile(file, 'utf8')) as Secrets;
  }
}

export interface ConfiguredKeys {
  masterKey: Buffer;
  previousMasterKeys: Buffer[];
  lookupKey: Buffer;
  previousLookupKeys: Buffer[];
}

/** The vault and lookup keys: from configuration, or outside production DATA_DIR/secrets.json. */
export async function configuredKeys(config: Config, web: WebConfig): Promise<ConfiguredKeys> {
  const needDev = !web.vaultMasterKey || !web.lookupKey;
  const dev = needDev ? await devSecrets(config.dataDir) : null;
  return {
    masterKey: web.vaultMasterKey ?? Buffer.from(dev!.vaultMasterKey, 'base64'),
    previousMasterKeys: web.vaultPreviousMasterKeys,
    lookupKey: web.lookupKey ?? Buffer.from(dev!.lookupKey, 'base64'),
    previousLookupKeys: web.lookupPreviousKeys,
  };
}

export async function openAuthDeps(
  config: Config,
  web: WebConfig,
  db: SqlDatabase,
): Promise<OpenedAuthDeps> {
  const { masterKey, previousMasterKeys, lookupKey, previousLookupKeys } = await configuredKeys(
    config,
    web,
  );
  await migratePrivacy(db);
  const vault = await openAesVault({ db, masterKey, previousMasterKeys });

  const pendingFile = join(config.dataDir, 'pending-keys.json');
  let kv: KeyValueStore;
  let redis: Redis | null = null;
  let handOver = async () => undefined;
  if (config.redisUrl) {
    const client = redisKeyValueStore(config.redisUrl, web.redisPrefix);
    redis = client.redis;
    kv = client;
  } else {
    const memory = memoryKeyValueStore();
    const pending = await readFile(pendingFile, 'utf8').catch(() => null);
    if (pending !== null) {
      memory.importStrings(JSON.parse(pending) as KeyValueEntry[]);
      await rm(pendingFile, { force: true });
    }
    handOver = async () => {
      await mkdir(config.dataDir, { recursive: true });
      await writeFile(pendingFile, JSON.stringify(memory.exportStrings()), { mode: 0o600 });
    };
    kv = memory;
  }
  const notifier = createNotifier(
    { smtpUrl: config.smtpUrl, smtpFrom: web.smtpFrom, smsUrl: web.smsUrl, smsToken: web.smsToken },
    kv,
  );
  return {
    auth: {
      vault,
      lookupKey,
      previousLookupKeys,
      kv,
      redis,
      notifier,
      nodeEnv: config.nodeEnv,
      publicUrl: web.publicUrl ?? `http://${config.host}:${config.port}`,
    },
    handOver,
    async close() {
      await notifier.close();
      await kv.close();
      await vault.close();
    },
  };
}
