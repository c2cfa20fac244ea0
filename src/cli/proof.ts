// `ledger proof <eventId>`: prints the inclusion proof of one event (the
// covering checkpoint, leaf index and audit path) and whether it verifies.
// Exit code 1 when there is no proof yet or it does not verify.

import { Command } from 'commander';
import {
  inclusionProof,
  ProofError,
  verifyInclusionProof,
  type InclusionProof,
  type ProofVerdict,
} from '../audit/proof.ts';
import type { EventStore } from '../eventstore/port.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

export interface ProofCliOptions {
  json: boolean;
  ledgerKey?: string[];
}

export type ProofOutcome =
  { code: 0 | 1; proof: InclusionProof; verdict: ProofVerdict } | { code: 1; error: ProofError };

/** Builds and verifies the proof; writes it as JSON or as a short text. */
export async function proveEvent(
  store: EventStore,
  eventId: string,
  options: ProofCliOptions,
  out: { write(text: string): unknown } = process.stdout,
): Promise<ProofOutcome> {
  let proof: InclusionProof;
  try {
    proof = await inclusionProof(store, eventId);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    out.write(
      options.json
        ? `${JSON.stringify({ error: error.code, message: error.message })}\n`
        : `${error.code}: ${error.message}\n`,
    );
    return { code: 1, error };
  }
  const verdict = verifyInclusionProof(proof, { trustedPublicKeys: options.ledgerKey });
  if (options.json) {
    out.write(`${JSON.stringify({ proof, verdict }, null, 2)}\n`);
  } else {
    const { event, checkpoint } = proof;
    out.write(
      [
        `event ${event.id} (${event.stream} @ revision ${event.revision}), hash ${event.hash}`,
        `leaf ${proof.leafIndex} of ${proof.treeSize} in checkpoint ${checkpoint.eventId} (up to ${checkpoint.toPosition})`,
        `root ${checkpoint.merkleRoot} signed by ${checkpoint.publicKey}`,
        `path ${proof.path.length ? proof.path.join(' ') : '(none: a one-event tree)'}`,
        verdict.ok ? 'VERIFIED' : `NOT VERIFIED: ${verdict.reason}`,
        '',
      ].join('\n'),
    );
  }
  return { code: verdict.ok ? 0 : 1, proof, verdict };
}

export function proofCommand(): Command {
  return new Command('proof')
    .description("print and verify an event's inclusion proof against its signed checkpoint")
    .argument('<eventId>', 'id of the event to prove')
    .option('--json', 'print the proof and verdict as JSON', false)
    .option('--ledger-key <hex...>', 'trusted ledger public key(s)')
    .action(
      action(async (config, eventId: string, options: ProofCliOptions) =>
        withEventStore(
          config,
          async ({ store }) => (await proveEvent(store, eventId, options)).code,
        ),
      ),
    );
}
