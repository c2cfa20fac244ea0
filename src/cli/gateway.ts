// `ledger gateway`: runs a meter gateway as its own process on the configured
// event store, on one port with /health, /ready (not ready while the store
// does not answer) and, when configured, /metrics. On SIGINT/SIGTERM it drains:
// no new meters or frames, readings being handled commit and ack, sessions
// close with 1001, the queue is written, then the store closes, all within
// SHUTDOWN_TIMEOUT_MS. `--init-key` creates the gateway's key file (0600) and
// prints the public key an admin registers and meters pin.

import { readFile, writeFile } from 'node:fs/promises';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { Command } from 'commander';
import { openEventStore } from '../eventstore/open.ts';
import { publicKeyOf, randomPrivateKey } from '../iot/crypto/ecdsa.ts';
import { runGateway } from '../iot/gateway/run-gateway.ts';
import { IOT_PATH } from '../iot/protocol/constants.ts';
import { loadOpsConfig } from '../ops/config.ts';
import { createMetrics } from '../ops/metrics.ts';
import { buildOpsServer } from '../ops/ops-server.ts';
import { listen, shutdownOnSignals } from '../web/server.ts';
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
        const port = nonNegativeInt('--port', opts.port);
        const ops = loadOpsConfig();
        const metrics = createMetrics();
        const opened = await openEventStore(eventStoreConfig(config));
        const app = await buildOpsServer({
          store: opened.store,
          logLevel: config.logLevel,
          metrics: { metrics, access: ops.metrics },
        }).catch(async (error: unknown) => {
          await opened.close();
          throw error;
        });
        try {
          const gateway = await runGateway(
            {
              gatewayId: opts.id,
              gatewayPrivateKey,
              server: app.server,
              billRuns: opts.billRuns,
              ...(opts.workers ? { verifyWorkers: nonNegativeInt('--workers', opts.workers) } : {}),
            },
            {
              store: opened.store,
              observer: metrics.gateway,
              onError: (error) =>
                app.log.error({ err: error, gatewayId: opts.id }, 'gateway error'),
            },
          );
          metrics.watchConnectedMeters(() => gateway.server.connectedMeters().length);
          // Meter sockets would otherwise hold the HTTP server open.
          app.addHook('preClose', () => gateway.close());
          shutdownOnSignals(app, {
            release: [() => opened.close()],
            timeoutMs: ops.shutdownTimeoutMs,
          });
          const url = await listen(app, { host: opts.host, port });
          const wsUrl = `${url.replace(/^http/, 'ws')}${IOT_PATH}`;
          process.stdout.write(
            `gateway ${opts.id} listening on ${wsUrl} (store: ${opened.store.kind})\n`,
          );
        } catch (error) {
          await app.close();
          await opened.close();
          throw error;
        }
      }),
    );
}
