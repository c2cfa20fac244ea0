// Optional profiles of this process (the server side of a benchmark) while it
// is loaded: BENCH_PROFILE=<file.cpuprofile> records CPU, and
// BENCH_HEAP_PROFILE=<file.heapprofile> samples allocations (what feeds the
// garbage collector, by allocating function). Open either file in Chrome
// DevTools or VS Code.

import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Starts what the environment asks for; the returned stop writes the files. */
export async function startProfile(log: (message: string) => void): Promise<() => Promise<void>> {
  const cpuFile = process.env.BENCH_PROFILE;
  const heapFile = process.env.BENCH_HEAP_PROFILE;
  if (!cpuFile && !heapFile) return async () => {};
  const session = new Session();
  session.connect();
  if (cpuFile) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  if (heapFile) {
    await session.post('HeapProfiler.enable');
    // Every 32 KiB allocated on average (the default), live or collected since.
    await session.post('HeapProfiler.startSampling', {
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  return async () => {
    if (cpuFile) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(cpuFile, JSON.stringify(profile));
      log(`CPU profile of the server written to ${cpuFile}`);
    }
    if (heapFile) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      await writeFile(heapFile, JSON.stringify(profile));
      log(`allocation profile of the server written to ${heapFile}`);
    }
    session.disconnect();
  };
}
