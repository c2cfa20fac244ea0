// Check: every stream's hash chain is intact (edits, deletions, reorders), and
// no stream's recorded head is past its last event (a deleted tail). Reports
// the first broken link of each stream: later links of a broken stream would
// only repeat it.

import { ChainVerifier, type ChainBreakReason } from '../../eventstore/integrity.ts';
import type { AuditCheck, AuditFailure } from '../check.ts';

const EXPLAIN: Record<ChainBreakReason, string> = {
  content_changed: 'content changed: the event no longer hashes to its stored hash',
  revision_gap: 'revision gap: the revision before it is missing (event deleted)',
  out_of_order: 'out of order: it does not follow the previous revision',
  prev_hash_mismatch: "prevHash is not the previous event's hash (reordered or relinked)",
  truncated: "truncated: the stream's recorded head is past its last event",
};

export const hashChainsCheck: AuditCheck = {
  id: 'hash-chains',
  title: 'hash chains intact',
  start({ store }) {
    const verifier = new ChainVerifier();
    const broken = new Set<string>();
    const failures: AuditFailure[] = [];
    let checked = 0;
    const push = (event: Parameters<ChainVerifier['push']>[0]): void => {
      if (broken.has(event.stream)) return;
      checked++;
      const found = verifier.push(event);
      if (!found) return;
      broken.add(found.stream);
      failures.push({ ...found, reason: EXPLAIN[found.reason] });
    };
    return {
      observe: push,
      async finish() {
        for (const [stream, revision] of verifier.lastRevisions()) {
          if (broken.has(stream)) continue;
          const head = await store.streamRevision(stream);
          if (head === revision) continue;
          // Appended after the replay read past them: verify them from the stream.
          let last = revision;
          for (const event of await store.readStream(stream, { fromRevision: revision + 1 })) {
            push(event);
            last = event.revision;
          }
          if (!broken.has(stream) && last < head)
            failures.push({ stream, revision: last + 1, reason: EXPLAIN.truncated });
        }
        return { checked, failures, notes: [`${verifier.lastRevisions().size} streams`] };
      },
    };
  },
};
