// `ledger serve` as a real child process for fault tests: started with the
// environment a test gives it (a Postgres DATABASE_URL, an embedded gateway
// through GATEWAY_ID and GATEWAY_KEY_FILE), ready once it logs that it is
// serving, and killed with whatever signal the test chooses (SIGKILL: no
// shutdown code runs at all). Its output is kept for the failure message.
// runLedger runs any other `ledger` command to its end and returns its output.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const LEDGER = join(ROOT, 'bin', 'ledger.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export interface LedgerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT, as the server reported it. */
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Sends the signal and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `ledger serve --no-demo` on `port` with `env` added to this process's environment. */
export async function startLedgerServe(
  port: number,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<LedgerProcess> {
  const child = spawn(process.execPath, [LEDGER, 'serve', '--no-demo'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let serving = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger serve did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      // The tail is enough for a failure message.
      output = (output + chunk.toString('utf8')).slice(-200_000);
      if (serving) return;
      for (const line of output.split('\n')) {
        if (!line.includes('ledger is serving')) continue;
        const reported = (JSON.parse(line) as { url?: string }).url;
        if (reported) {
          serving = true;
          clearTimeout(timer);
          resolve(reported);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`ledger serve exited (${code ?? signal}):\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Runs one `ledger` command to its end with only the given environment; its exit code and output. */
export async function runLedger(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [LEDGER, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, ...output };
}
