// An optional CPU profile of this process (the server side of a benchmark)
// while it is loaded: BENCH_PROFILE=<file.cpuprofile> turns it on. Open the
// file in Chrome DevTools (Performance) or VS Code.

import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Starts profiling when BENCH_PROFILE is set; the returned stop writes the file. */
export async function startProfile(log: (message: string) => void): Promise<() => Promise<void>> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile of the server written to ${file}`);
  };
}
