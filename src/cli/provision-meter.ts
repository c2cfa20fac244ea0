// `ledger provision-meter`: makes a meter's key file (mode 0600) pinned to a
// gateway key and prints, as JSON, what an admin registers in inventory.

import { Command, Option } from 'commander';
import { provisionMeter } from '../../devices/provision.ts';
import { meterKinds } from '../domain/meter/index.ts';

export function provisionMeterCommand(): Command {
  return new Command('provision-meter')
    .description("make a meter's key file and print what an admin registers")
    .requiredOption('--serial <serial>', 'meter serial (3-40 letters, digits or hyphens)')
    .addOption(new Option('--kind <kind>', 'meter kind').choices(meterKinds).makeOptionMandatory())
    .requiredOption('--gateway-key <hex>', "the gateway's public key the meter pins")
    .option('--out <dir>', 'directory for the key file', '.')
    .option('--meter-id <id>', 'meter id (default: a random UUID)')
    .action(
      async (opts: {
        serial: string;
        kind: string;
        gatewayKey: string;
        out: string;
        meterId?: string;
      }) => {
        try {
          const meter = await provisionMeter({
            serial: opts.serial,
            kind: opts.kind,
            gatewayPublicKey: opts.gatewayKey,
            outDir: opts.out,
            ...(opts.meterId ? { meterId: opts.meterId } : {}),
          });
          process.stdout.write(JSON.stringify(meter, null, 2) + '\n');
          process.exitCode = 0;
        } catch (error) {
          process.stderr.write(
            `ledger: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exitCode = 1;
        }
      },
    );
}
