// Worker-thread entry for a verification job. Plain JS so Node can start it
// with no loader; it registers tsx (as bin/ledger.js and the verify pool's
// worker do) and runs the TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./job-worker-main.ts');
