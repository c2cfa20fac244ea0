// Each phase's duration of a fault test, also logged as it ends, so a test
// that times out shows where it stood. The timings go into its JSON line.

export function phaseTimer(label: string) {
  const timings: Record<string, number> = {};
  const started = Date.now();
  const mark = (phase: string, since: number) => {
    timings[phase] = Date.now() - since;
    process.stderr.write(
      `${label}: ${phase} ${timings[phase]} ms (at ${Date.now() - started} ms)\n`,
    );
  };
  return { timings, mark };
}
