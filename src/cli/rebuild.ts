// `ledger rebuild [name]`: rebuilds one read model (or all) from position 0
// into staging tables and swaps them in atomically, with a progress bar on
// stderr. Read models live in the SQL database whichever store holds events.

import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { allProjections, findProjections } from '../projections/index.ts';
import { rebuildProjections } from '../projections/rebuild.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

export function rebuildCommand(): Command {
  return new Command('rebuild')
    .description(
      `rebuild read models from the event log without downtime (${allProjections.map((p) => p.name).join(', ')})`,
    )
    .argument('[name]', 'the read model to rebuild; all when omitted')
    .action(
      action(async (config, name: string | undefined) =>
        withEventStore(config, async ({ store, db }) => {
          const projections = name ? findProjections([name]) : allProjections;
          // The SQL store can count its log; KurrentDB shows a running count instead.
          const total =
            store.kind === 'kurrentdb'
              ? 0
              : Number(
                  (await db.query<{ n: number }>('SELECT count(*) AS n FROM events')).rows[0]!.n,
                );
          const bar = new cliProgress.SingleBar(
            {
              format: 'rebuild [{bar}] {value}/{total} events {percentage}% | {eta_formatted} left',
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0);
          const started = Date.now();
          try {
            const result = await rebuildProjections({
              store,
              readDb: db,
              projections,
              onProgress: (done) => bar.update(done, { total: Math.max(total, done) }),
            });
            bar.setTotal(Math.max(total, result.events));
            bar.update(result.events);
            bar.stop();
            const seconds = (Date.now() - started) / 1000;
            process.stdout.write(
              `Rebuilt ${projections.map((p) => p.name).join(', ')} from ${result.events} events in ${seconds.toFixed(1)} s.\n`,
            );
          } catch (error) {
            bar.stop();
            throw error;
          }
        }),
      ),
    );
}
