// The checks `ledger audit` runs, in report order. Adding a check is one
// module in this folder and one line here.

import type { AuditCheck } from '../check.ts';
import { billRecomputeCheck } from './bill-recompute.ts';
import { checkpointsCheck } from './checkpoints.ts';
import { hashChainsCheck } from './hash-chains.ts';
import { projectionsRebuildCheck } from './projections-rebuild.ts';
import { readingSignaturesCheck } from './reading-signatures.ts';
import { receivableBalancesCheck } from './receivable-balances.ts';

export const AUDIT_CHECKS: readonly AuditCheck[] = [
  hashChainsCheck,
  checkpointsCheck,
  readingSignaturesCheck,
  billRecomputeCheck,
  receivableBalancesCheck,
  projectionsRebuildCheck,
];
