// bench:billrun's child processes: the second gateway (gw-b), and a fleet
// of simulated meters [FROM, TO) connected to one gateway over real
// WebSockets. The main process forks bench/billrun.bench.ts with --gateway
// or --fleet and talks to them over IPC.

import { Fleet } from '../../devices/fleet.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import { nodeBackend } from '../../src/iot/crypto/node-backend.ts';
import { CONNECT_JITTER_MS, gatewayKey, meterId, meterKey, startGateway } from './billrun-setup.ts';

/** Child roles: the second gateway, or a fleet of meters [from, to). */
export async function childRole(role: string): Promise<void> {
  const send = (m: object) => process.send!(m);
  if (role === '--gateway') {
    const db = postgresDatabase(process.env.BENCH_DB!);
    const gateway = await startGateway(openPostgresEventStore(db), 'gw-b');
    send({ type: 'url', url: gateway.url });
    // Told when the runs start (its CPU counts from there), asked for its
    // pipelined billing's figures and CPU at the end; killed after.
    let cpu0 = process.cpuUsage();
    process.on('message', (m: { type: string }) => {
      if (m.type === 'start') return void (cpu0 = process.cpuUsage());
      send({ type: 'billing', ...gateway.fanOut?.billingStats(), cpuSeconds: cpuSince(cpu0) });
    });
    return;
  }
  const [from, to] = [Number(process.env.FROM), Number(process.env.TO)];
  const fleet = Fleet.start({
    url: process.env.GATEWAY_URL!,
    meters: Array.from({ length: to - from }, (_, k) => ({
      identity: {
        meterId: meterId(from + k),
        privateKey: meterKey(from + k),
        gatewayPublicKey: nodeBackend.publicKeyOf(gatewayKey),
      },
      profile: 'residential' as const,
      startWh: 0,
      lastSeq: 0,
    })),
    connectJitterMs: CONNECT_JITTER_MS,
  });
  // How far the handshakes got, every 5 s, until all are up.
  const t0 = performance.now();
  const progress = setInterval(() => {
    const up = fleet.meters.filter((m) => m.connected).length;
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    process.stderr.write(`fleet ${from}..${to}: ${up}/${to - from} sessions open at ${s} s\n`);
  }, 5000);
  await fleet.waitConnected();
  clearInterval(progress);
  send({ type: 'connected' });
  const cpu0 = process.cpuUsage();
  await new Promise((r) => process.once('message', r));
  const answered = fleet.meters.reduce((n, m) => n + m.readsAnswered, 0);
  send({ type: 'done', answered, cpuSeconds: cpuSince(cpu0) });
  await fleet.stop();
  process.exit(0);
}

/** CPU seconds (user and system) this process used since `from`. */
export function cpuSince(from: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(from);
  return (cpu.user + cpu.system) / 1e6;
}
