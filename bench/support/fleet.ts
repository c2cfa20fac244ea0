// Simulated meters for the benchmarks: deterministic keys, registering many
// meters at once (many streams per group commit), and the fleet process that
// connects them over real WebSockets and sends readings at a steady rate.
// The fleet runs in its own process (`runFleetProcess` in the parent,
// `fleetRole` in the child) so its CPU is not the gateway's. Readings are
// pre-signed before the window opens: signing is the meters' work, not load.

import { fork, type ChildProcess } from 'node:child_process';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Fleet } from '../../devices/fleet.ts';
import { meterDecider, meterStream, type MeterEvent } from '../../src/domain/meter/index.ts';
import type { EventStore, StreamAppend } from '../../src/eventstore/port.ts';
import { nodeBackend } from '../../src/iot/crypto/node-backend.ts';

const enc = new TextEncoder();
export const benchMeterKey = (label: string, i: number) =>
  sha256(enc.encode(`${label} bench meter ${i}`));
export const benchGatewayKey = (label: string) => sha256(enc.encode(`${label} bench gateway`));
export const publicKeyHex = (privateKey: Uint8Array) =>
  bytesToHex(nodeBackend.publicKeyOf(privateKey));

export interface BulkMeter {
  meterId: string;
  publicKey: string;
  propertyId: string;
  gatewayId: string;
}

/** Registers and assigns each meter through the meter decider, 1,000 streams per group commit. */
export async function registerBulkMeters(store: EventStore, meters: BulkMeter[]): Promise<void> {
  const metadata = { now: new Date().toISOString(), commandId: 'bench', actor: 'system:bench' };
  for (let from = 0; from < meters.length; from += 1000) {
    const appends: StreamAppend[] = meters.slice(from, from + 1000).map((m, n) => {
      const register = {
        type: 'RegisterMeter' as const,
        data: {
          ...{ meterId: m.meterId, serial: `BENCH-${from + n}`, publicKey: m.publicKey },
          kind: 'single-phase' as const,
        },
        metadata,
      };
      const assign = {
        type: 'AssignMeter' as const,
        data: { propertyId: m.propertyId, gatewayId: m.gatewayId },
        metadata,
      };
      const events: MeterEvent[] = [];
      let state = meterDecider.initialState;
      for (const command of [register, assign]) {
        const decided = meterDecider.decide(command, state);
        if (decided instanceof Error) throw decided;
        for (const e of decided) {
          state = meterDecider.evolve(state, e);
          events.push(e);
        }
      }
      return {
        stream: meterStream(m.meterId),
        expectedRevision: 'no_stream' as const,
        events: events.map((e, k) => ({
          id: crypto.randomUUID(),
          type: e.type,
          data: e.data,
          metadata: { seq: k },
        })),
      };
    });
    for (const outcome of await store.appendMany(appends)) if (!outcome.ok) throw outcome.error;
  }
}

/** One meter of the fleet: its key comes from (label, keyIndex), so no key crosses processes. */
export interface FleetMeterPlan {
  meterId: string;
  keyIndex: number;
  lastSeq: number;
  startWh: number;
}

export interface FleetPlan {
  url: string;
  label: string;
  meters: FleetMeterPlan[];
  /** Readings per meter per second. */
  rate: number;
  seconds: number;
  /** Readings a meter may have un-acked at once. */
  window?: number;
  connectJitterMs?: number;
}

export interface FleetReport {
  acked: number;
  rejected: number;
  p99AckMs: number;
  cpuPct: number;
  seconds: number;
  /** Meters connected when the window closed. */
  connected: number;
}

/** The child's side: connect, say `ready`, on `go` send for `seconds`, then report and exit. */
export async function fleetRole(): Promise<void> {
  const plan = await new Promise<FleetPlan>((resolve) =>
    process.once('message', (m) => resolve(m as FleetPlan)),
  );
  const window = plan.window ?? 8;
  const gatewayPublicKey = nodeBackend.publicKeyOf(benchGatewayKey(plan.label));
  let open = false;
  let acked = 0;
  let rejected = 0;
  const latencies: number[] = [];
  // Signing blocks this process for a while: do it before connecting, or the
  // gateway's heartbeat would drop meters that cannot answer its pings.
  const fleet = Fleet.create({
    url: plan.url,
    meters: plan.meters.map((m, i) => ({
      identity: {
        meterId: m.meterId,
        privateKey: benchMeterKey(plan.label, m.keyIndex),
        gatewayPublicKey,
      },
      profile: i % 4 === 0 ? 'commercial' : 'residential',
      startWh: m.startWh,
      lastSeq: m.lastSeq,
      scale: 0.5 + (i % 7) / 6,
    })),
    onAck: (_id, _seq, ms) => {
      if (!open) return;
      latencies.push(ms);
      acked++;
    },
    onReject: () => void rejected++,
  });
  const perMeter = Math.ceil(plan.rate * plan.seconds * 1.1) + 1;
  for (const m of fleet.meters) m.presign(perMeter);
  fleet.connect(plan.connectJitterMs ?? 5000);
  const progress = setInterval(
    () =>
      process.stderr.write(`fleet: ${fleet.connectedCount()}/${plan.meters.length} connected\n`),
    10_000,
  );
  await fleet.waitConnected();
  clearInterval(progress);
  process.send!({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  open = true;
  // Each meter sends `rate` readings a second, spread evenly, never more than `window` un-acked.
  const timer = setInterval(() => {
    const elapsed = (performance.now() - t0) / 1000;
    // An index loop: entries() made 500,000 [i, m] pairs a second for 5,000 meters.
    for (let i = 0; i < fleet.meters.length; i++) {
      const m = fleet.meters[i]!;
      const due = Math.floor(elapsed * plan.rate + (i % 100) / 100);
      while (m.sent < due && m.unacked.size < window && m.presignedLeft > 0) m.sendReading();
    }
  }, 10);
  await new Promise((r) => setTimeout(r, plan.seconds * 1000));
  open = false;
  clearInterval(timer);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const report: FleetReport = {
    acked,
    rejected,
    p99AckMs: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? NaN),
    cpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    seconds: wall,
    connected: fleet.connectedCount(),
  };
  process.send!({ type: 'report', report }, () => {
    void fleet.stop().finally(() => process.exit(0));
  });
}

/** A child process running `script` with `role` as its argument, spoken to over IPC. */
export class BenchChild<Report> {
  private readonly messages: { type: string; report?: Report }[] = [];
  private wake = () => {};
  private failure: Error | null = null;
  readonly process: ChildProcess;

  constructor(script: string, role: string) {
    this.process = fork(script, [role], { execArgv: ['--import', 'tsx'] });
    this.process.on('message', (m: { type: string; report?: Report }) => {
      this.messages.push(m);
      this.wake();
    });
    this.process.once('exit', (code) => {
      if (code !== 0) this.failure = new Error(`${role} process exited with ${code}`);
      this.wake();
    });
  }

  send(message: object): void {
    this.process.send(message);
  }

  /** The first message of `type`; rejects if the child exits with an error first. */
  async next(type: string): Promise<{ type: string; report?: Report }> {
    for (;;) {
      const found = this.messages.find((m) => m.type === type);
      if (found) return found;
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}
