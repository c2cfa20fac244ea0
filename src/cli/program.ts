// The `ledger` command line: one program, one file per sub-command in this
// folder. A new command is a file exporting a factory that returns a
// commander Command, plus one line in COMMANDS below.

import { Command } from 'commander';
import { bootstrapAdminCommand } from './bootstrap-admin.ts';
import { auditCommand } from './audit.ts';
import { checkpointCommand } from './checkpoint.ts';
import { gatewayCommand } from './gateway.ts';
import { migrateCommand } from './migrate.ts';
import { rebuildCommand } from './rebuild.ts';
import { rotateLookupKeyCommand } from './rotate-lookup-key.ts';
import { rotateVaultKeyCommand } from './rotate-vault-key.ts';
import { proofCommand } from './proof.ts';
import { provisionMeterCommand } from './provision-meter.ts';
import { serveCommand } from './serve.ts';
import { verifyChainCommand } from './verify-chain.ts';

/** Sub-commands in the order `ledger --help` lists them. */
const COMMANDS: (() => Command)[] = [
  serveCommand,
  migrateCommand,
  verifyChainCommand,
  bootstrapAdminCommand,
  auditCommand,
  checkpointCommand,
  proofCommand,
  rebuildCommand,
  rotateVaultKeyCommand,
  rotateLookupKeyCommand,
  gatewayCommand,
  provisionMeterCommand,
];

export function buildProgram(): Command {
  const program = new Command('ledger')
    .description('meterledger: event-sourced meter-to-bill ledger')
    .showHelpAfterError();
  for (const command of COMMANDS) program.addCommand(command());
  return program;
}
