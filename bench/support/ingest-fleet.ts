// The fleet side of bench/ingest.bench.ts, run in its own process (the
// bench forks itself with --fleet) so its CPU is measured apart: FLEET_METERS
// simulated meters over real WebSockets, readings pre-signed before the
// window opens, each meter offered FLEET_RATE readings a second with at most
// FLEET_WINDOW un-acked, sent in frames of up to FLEET_BATCH readings.

import { Fleet, type SimMeter } from '../../devices/fleet.ts';
import { nodeBackend } from '../../src/iot/crypto/node-backend.ts';
import { benchGatewayKey, benchMeterKey } from './fleet.ts';
import { startProfile } from './profile.ts';

export const METERS = Number(process.env.FLEET_METERS ?? 5000);
export const RATE = Number(process.env.FLEET_RATE ?? 3); // readings per meter per second offered
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
// Readings a meter may have un-acked at once (the gateway takes up to 8 per connection).
export const WINDOW = Number(process.env.FLEET_WINDOW ?? 8);
// Most readings a meter sends in one frame (1: a `reading` frame each; above 1,
// `readings` frames of everything due that fits in its window). 8, the window:
// at 10:54-11:05 FLEET_BATCH=8 gave 10,103 readings/s against 9,052 for 4 and
// 9,737 for 16 (with FLEET_WINDOW=16, p99 9.1 s against 4.6 s).
export const BATCH = Number(process.env.FLEET_BATCH ?? 8);
// The gateway accepts readAt within ±5 min of its clock. Pre-signing 5,000
// meters' readings can take minutes on a loaded machine, so they are stamped
// 4 min ahead: valid from 1 min before signing until 9 min after.
const READ_AT_AHEAD_MS = 4 * 60_000;
export const meterKey = (i: number) => benchMeterKey('ingest', i);
export const gatewayKey = benchGatewayKey('ingest');
export const meterId = (i: number) => `bench-${i}`;

export type FleetReport = {
  acked: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
  p99AckMs: number;
  cpuPct: number;
  cpuSeconds: number;
  seconds: number;
  /** Readings and frames the meters sent in the window (first sends). */
  readingsSent: number;
  framesSent: number;
};

export async function fleetRole(): Promise<void> {
  const send = (m: object) => process.send!(m);
  // Signing blocks this process for a while: do it before connecting, or the
  // gateway's heartbeat would drop meters that cannot answer its pings.
  const fleet = Fleet.create({
    url: process.env.GATEWAY_URL!,
    meters: Array.from({ length: METERS }, (_, i) => ({
      identity: {
        meterId: meterId(i),
        privateKey: meterKey(i),
        gatewayPublicKey: nodeBackend.publicKeyOf(gatewayKey),
      },
      profile: i % 4 === 0 ? 'commercial' : 'residential',
      startWh: 1000 * i,
      lastSeq: 0,
      scale: 0.5 + (i % 7) / 6,
    })),
    maxBatch: BATCH,
    onAck: (id, _seq, ms) => {
      if (!open) return;
      latencies.push(ms);
      acked++;
      // The ack freed a window slot: send what is due now, not at the next tick
      // (a loop busy reading 5,000 sockets can run its timers seconds late).
      const i = indexOf.get(id)!;
      topUp(i, fleet.meters[i]!, (performance.now() - t0) / 1000);
    },
    onReject: (id, _seq, code) => {
      rejected++;
      rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
      if (!open) return;
      const i = indexOf.get(id)!;
      topUp(i, fleet.meters[i]!, (performance.now() - t0) / 1000);
    },
  });
  const indexOf = new Map(fleet.meters.map((m, i) => [m.meterId, i]));
  let open = false;
  let t0 = 0;
  // Each meter sends RATE readings a second, spread evenly, never more than WINDOW un-acked.
  // A meter that stops with room in its window waits for the tick (`roomy`);
  // one that fills it waits for an ack, so under overload the tick visits
  // few meters (visiting all 5,000 every 10 ms was ~14% of the fleet's CPU).
  // Batching, a meter behind (more due than its window takes) waits until a
  // whole frame fits: sending what one ack freed would go on as one reading a
  // frame for good, as the readings of a frame are acked together.
  const frame = Math.max(1, Math.min(BATCH, WINDOW));
  const roomy = new Set<number>();
  const topUp = (i: number, m: SimMeter, elapsedSeconds: number) => {
    const due = Math.floor(elapsedSeconds * RATE + (i % 100) / 100) - m.sent;
    const ready = Math.min(due, m.presignedLeft);
    const room = WINDOW - m.unacked.size;
    const sent =
      ready > 0 && room >= Math.min(ready, frame) ? m.sendReadings(Math.min(ready, room)) : 0;
    const left = room - sent;
    // Worth a visit at the next tick: room for a frame, or caught up and waiting for time.
    if (m.presignedLeft > 0 && left > 0 && (left >= frame || due - sent <= 0)) roomy.add(i);
    else roomy.delete(i);
  };

  let acked = 0;
  let rejected = 0;
  const rejectedByCode: Record<string, number> = {};
  const latencies: number[] = [];
  const perMeter = Math.ceil(RATE * SECONDS * 1.1);
  const signing = performance.now();
  for (const m of fleet.meters) m.presign(perMeter, Date.now() + READ_AT_AHEAD_MS);
  process.stderr.write(`pre-signed in ${((performance.now() - signing) / 1000).toFixed(0)} s\n`);
  fleet.connect(5000);
  await fleet.waitConnected();
  send({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const stopProfile = await startProfile((m) => process.stderr.write(`fleet: ${m}\n`));
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  open = true;
  for (let i = 0; i < fleet.meters.length; i++) roomy.add(i);
  const timer = setInterval(() => {
    // One clock read a tick (one per meter was 2% of the fleet's CPU).
    const elapsed = (performance.now() - t0) / 1000;
    // A copy: topUp takes meters out of the set as it goes.
    for (const i of [...roomy]) topUp(i, fleet.meters[i]!, elapsed);
  }, 10);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  open = false;
  clearInterval(timer);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const report: FleetReport = {
    acked,
    rejected,
    rejectedByCode,
    p99AckMs: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? NaN),
    cpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    seconds: wall,
    readingsSent: fleet.meters.reduce((n, m) => n + m.sent, 0),
    framesSent: fleet.meters.reduce((n, m) => n + m.framesSent, 0),
  };
  send({ type: 'report', report });
  await stopProfile();
  await fleet.stop();
  process.exit(0);
}
