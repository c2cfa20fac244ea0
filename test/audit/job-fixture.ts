// Runners for verification-job tests that must stay mid-run: a run that
// counts, replays a little, then waits until it is stopped (it never reports).

import type { JobRunner } from '../../src/audit/job-runners.ts';

export function hangingRunner(): JobRunner {
  return (signal) => {
    let stop: (error: Error) => void = () => undefined;
    const report = new Promise<never>((_resolve, reject) => (stop = reject));
    signal({ type: 'counted', total: 10 });
    signal({ type: 'replayed', replayed: 3 });
    return {
      report,
      async stop() {
        stop(new Error('stopped'));
      },
    };
  };
}
