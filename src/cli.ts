// Entry point of the `ledger` command (bin/ledger.js loads it through tsx).
// A .env file in the working directory is read first; variables already set
// in the environment win over it.

import { existsSync } from 'node:fs';
import { buildProgram } from './cli/program.ts';

if (existsSync('.env')) process.loadEnvFile('.env');

await buildProgram().parseAsync(process.argv);
