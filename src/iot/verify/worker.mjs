// Worker-thread entry for the verify pool. Plain JS so Node can start it with
// no loader; it registers tsx (as bin/ledger.js does) and runs the TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
