// `ledger gateway`: runs a meter gateway as its own process on the configured
// event store until SIGINT/SIGTERM, then stops taking meters, writes what is
// queued and closes. `--init-key` creates the gateway's key file (0600) and
// prints the public key an admin registers and meters pin.

import { readFile, writeFile } from 'node:fs/promises';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { Command } from 'commander';
import { openEventStore } from '../eventstore/open.ts';
import { publicKeyOf, randomPrivateKey } from '../iot/crypto/ecdsa.ts';
import { runGateway } from '../iot/gateway/run-gateway.ts';
import { action } from './run.ts';
import { eventStoreConfig } from './store.ts';

interface GatewayOptions {
  id: string;
  keyFile: string;
  initKey: boolean;
  host: string;
  port: string;
  workers?: string;
  billRuns: boolean;
}

/** Reads a gateway key file: the private key as 64 hex characters. */
export async function readGatewayKey(path: string): Promise<Uint8Array> {
  const hex = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${path}: expected 64 hex characters`);
  const key = hexToBytes(hex.toLowerCase());
  publicKeyOf(key); // throws for a key outside the curve order
  return key;
}

const nonNegativeInt = (what: string, value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
};

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run a meter gateway (WebSocket /iot/v1) on the configured event store')
    .requiredOption('--id <gatewayId>', 'gateway id as registered in inventory')
    .requiredOption('--key-file <path>', "file holding the gateway's private key (hex)")
    .option('--init-key', 'create the key file, print its public key and exit', false)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8081')
    .option('--workers <n>', 'signature verification worker threads (default: one per core)')
    .option('--no-bill-runs', 'ingest only: do not fan out bill-run read requests')
    .action(
      action(async (config, opts: GatewayOptions) => {
        if (opts.initKey) {
          const key = randomPrivateKey();
          await writeFile(opts.keyFile, bytesToHex(key) + '\n', { mode: 0o600, flag: 'wx' });
          process.stdout.write(
            JSON.stringify({ gatewayId: opts.id, publicKey: bytesToHex(publicKeyOf(key)) }) + '\n',
          );
          return;
        }
        const gatewayPrivateKey = await readGatewayKey(opts.keyFile);
        const opened = await openEventStore(eventStoreConfig(config));
        try {
          const gateway = await runGateway(
            {
              gatewayId: opts.id,
              gatewayPrivateKey,
              host: opts.host,
              port: nonNegativeInt('--port', opts.port),
              billRuns: opts.billRuns,
              ...(opts.workers ? { verifyWorkers: nonNegativeInt('--workers', opts.workers) } : {}),
            },
            {
              store: opened.store,
              onError: (error) => process.stderr.write(`gateway ${opts.id}: ${String(error)}\n`),
            },
          );
          process.stdout.write(
            `gateway ${opts.id} listening on ${gateway.url} (store: ${opened.store.kind})\n`,
          );
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await gateway.close();
        } finally {
          await opened.close();
        }
      }),
    );
}
