// `ledger bootstrap-admin`: creates the first superuser (actor
// system:bootstrap) and prints a one-time login link; no password exists
// until they choose one (reset flow from the signed-in link session or
// /password/reset). Refuses when any active superuser exists, so it cannot
// be used to mint a second one behind the first one's back.

import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { issueLink } from '../auth/one-time.ts';
import type { KeyValueStore } from '../auth/kv.ts';
import { loadAccount, registerAccount, type AccountDeps } from '../commands/accounts.ts';
import { loadWebConfig } from '../config.ts';
import { BOOTSTRAP_ACTOR, type AccountEvent } from '../domain/account/index.ts';
import { DomainError } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { openAuthDeps } from '../web/deps.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

export interface BootstrapInput {
  username: string;
  email: string;
  mobile: string;
  name: string;
}

/**
 * Active accounts holding the superuser role, by replaying account events.
 * readAll sees only settled transactions, so an event committed a moment ago
 * may not show yet; a one-off operator command can live with that.
 */
export async function activeSuperusers(store: EventStore): Promise<string[]> {
  const holders = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after ? { after } : {}), limit: 1000 });
    for (const recorded of page) {
      if (!recorded.stream.startsWith('account-')) continue;
      const id = recorded.stream.slice('account-'.length);
      const event = recorded as unknown as AccountEvent;
      if (event.type === 'AccountRegistered' && event.data.roles.includes('superuser'))
        holders.add(id);
      if (event.type === 'RoleGranted' && event.data.role === 'superuser') holders.add(id);
      if (event.type === 'RoleRevoked' && event.data.role === 'superuser') holders.delete(id);
    }
    if (page.length < 1000) break;
    after = page.at(-1)!.position;
  }
  const active = [];
  for (const id of holders) if ((await loadAccount(store, id)).status === 'active') active.push(id);
  return active;
}

export async function bootstrapAdmin(
  deps: AccountDeps & { kv: KeyValueStore; publicUrl: string },
  input: BootstrapInput,
  now: Date,
): Promise<{ accountId: string; link: string }> {
  if ((await activeSuperusers(deps.store)).length > 0)
    throw new DomainError('SUPERUSER_EXISTS', 'a superuser already exists; ask them to add admins');
  const accountId = randomUUID();
  await registerAccount(
    deps,
    { ...input, accountId, role: 'superuser', consentGivenAt: now.toISOString() },
    { now: now.toISOString(), commandId: randomUUID(), actor: BOOTSTRAP_ACTOR },
  );
  // Not bound to a browser: whoever runs the command opens it wherever they like, once, within 10 minutes.
  const token = await issueLink(deps.kv, { purpose: 'login-link', accountId, attemptId: null });
  return { accountId, link: `${deps.publicUrl.replace(/\/+$/, '')}/login/link#token=${token}` };
}

export function bootstrapAdminCommand(): Command {
  return new Command('bootstrap-admin')
    .description('create the first superuser and print a one-time login link')
    .requiredOption('--username <username>')
    .requiredOption('--email <email>')
    .requiredOption('--mobile <mobile>', '10-digit mobile number')
    .requiredOption('--name <name>')
    .action(
      action(async (config, input: BootstrapInput) => {
        const web = loadWebConfig();
        return withEventStore(config, async (opened) => {
          const deps = await openAuthDeps(config, web, opened.db);
          try {
            const { auth } = deps;
            const result = await bootstrapAdmin(
              {
                store: opened.store,
                vault: auth.vault,
                lookupKey: auth.lookupKey,
                previousLookupKeys: auth.previousLookupKeys,
                kv: auth.kv,
                publicUrl: auth.publicUrl,
              },
              input,
              new Date(),
            );
            await deps.handOver();
            process.stdout.write(
              `Superuser ${input.username} created (${result.accountId}).\n` +
                `Sign in within 10 minutes with this one-time link, then set a password:\n${result.link}\n`,
            );
          } finally {
            await deps.close();
          }
        });
      }),
    );
}
