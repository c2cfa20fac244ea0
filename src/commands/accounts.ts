// Account services: sign-up with username/email uniqueness enforced through
// reservation streams, the account's lifecycle commands and forgetting a
// person. Clear personal data is validated and sealed here; the decider only
// ever sees the sealed envelope. The queries other services need (lookups, the
// tenant directory, an actor's roles) are re-exported from here too.

import {
  accountDecider,
  accountStream,
  canRegisterRole,
  decideAccount,
  validatePersonalData,
  validateRegistration,
  type AccountCommand,
  type RegistrationInput,
  type Role,
} from '../domain/account/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { normaliseEmail } from '../domain/account/validation.ts';
import { emailLookups } from '../privacy/lookup.ts';
import { VaultError } from '../privacy/vault-error.ts';
import type { PersonalDataVault } from '../privacy/vault.ts';
import {
  emailTargets,
  lastEmailLookup,
  loadAccountHistory,
  releaseAll,
  releaseReservation,
  reserve,
  reserveAll,
  type ReservationTarget,
} from './account-lookups.ts';
import { actorRoles, openPersonalData } from './account-queries.ts';
import { handleCommand } from './handle-command.ts';

export * from './account-lookups.ts';
export * from './account-queries.ts';

export interface AccountDeps {
  store: EventStore;
  vault: PersonalDataVault;
  /** HMAC key (≥ 32 bytes, from configuration) for email lookups. */
  lookupKey: Uint8Array;
  /** Earlier lookup keys (LOOKUP_PREVIOUS_KEYS): emails are looked up and reserved under them too. */
  previousLookupKeys?: readonly Uint8Array[];
}

export interface CommandOutcome {
  /** Global position of the last write, for read-your-writes; null when nothing was written. */
  position: string | null;
}

// The cast only joins `type` and `data` back into the union; the parameters
// already tie each command type to its own data shape.
const runAccount = <T extends AccountCommand['type']>(
  store: EventStore,
  accountId: string,
  type: T,
  data: Extract<AccountCommand, { type: T }>['data'],
  metadata: CommandMetadata,
) =>
  handleCommand(store, accountStream(accountId), accountDecider, {
    type,
    data,
    metadata,
  } as AccountCommand);

/**
 * Sign-up. Order matters: username, then email are reserved for the account id
 * (each a no-op on retry), and the account stream is written only after both,
 * so a crash leaves at worst reservations that a retry of the same command
 * completes, never an account without them.
 */
export async function registerAccount(
  deps: AccountDeps,
  input: RegistrationInput & { accountId: string; role?: Role },
  metadata: CommandMetadata,
): Promise<CommandOutcome & { accountId: string }> {
  const valid = validateRegistration(input);
  if (valid instanceof DomainError) throw valid;
  const { accountId } = input;
  const role = input.role ?? 'customer';
  const history = await loadAccountHistory(deps.store, accountId);
  const applied = history.events.find((e) => e.metadata.commandId === metadata.commandId);
  if (applied) return { accountId, position: applied.position };
  if (history.state.status === 'abandoned')
    throw new DomainError(
      'REGISTRATION_ABANDONED',
      'this sign-up stalled and its claims were reclaimed',
    );
  if (history.state.status !== 'unregistered')
    throw new DomainError('ACCOUNT_EXISTS', 'account already exists');
  const roles = role === 'customer' ? [] : await actorRoles(deps.store, metadata.actor);
  // Checked before reserving, so a refused command leaves no reservations behind.
  if (!canRegisterRole(role, metadata.actor, roles))
    throw new DomainError('NOT_AUTHORISED', `only a superuser may register a ${role}`);

  const username = { kind: 'username', key: valid.username } as const;
  const emails = emailTargets(deps, valid.personal.email);
  await reserve(deps.store, username, accountId, metadata);
  try {
    await reserveAll(deps.store, emails, accountId, metadata);
  } catch (error) {
    // Best effort: if this release fails too, the username stays claimed by an
    // account that never registered, and goes stale and reclaimable; the
    // caller needs the original error, not the release's.
    await releaseReservation(deps.store, username, accountId, 'claim_abandoned', metadata).catch(
      () => undefined,
    );
    throw error;
  }
  const personal = await deps.vault.seal(accountId, valid.personal);
  const result = await runAccount(
    deps.store,
    accountId,
    'RegisterAccount',
    {
      accountId,
      username: valid.username,
      role,
      personal,
      emailLookup: emails[0]!.key,
      consentGivenAt: valid.consentGivenAt,
      actorRoles: roles,
    },
    metadata,
  );
  return { accountId, position: result.position };
}

type Store = Pick<AccountDeps, 'store'>;

export const verifyEmail = async (deps: Store, input: { accountId: string }, m: CommandMetadata) =>
  outcome(await runAccount(deps.store, input.accountId, 'VerifyEmail', {}, m));

export const verifyMobile = async (deps: Store, input: { accountId: string }, m: CommandMetadata) =>
  outcome(await runAccount(deps.store, input.accountId, 'VerifyMobile', {}, m));

/** `passwordHash` is a PHC string made by the web layer; a clear password is refused. */
export const setPassword = async (
  deps: Store,
  input: { accountId: string; passwordHash: string },
  m: CommandMetadata,
) =>
  outcome(
    await runAccount(
      deps.store,
      input.accountId,
      'SetPassword',
      { passwordHash: input.passwordHash },
      m,
    ),
  );

export const changePassword = async (
  deps: Store,
  input: { accountId: string; passwordHash: string },
  m: CommandMetadata,
) =>
  outcome(
    await runAccount(
      deps.store,
      input.accountId,
      'ChangePassword',
      { passwordHash: input.passwordHash },
      m,
    ),
  );

/** Only a superuser (the actor's own account is checked) may grant or revoke. */
async function changeRole(
  deps: Store,
  type: 'GrantRole' | 'RevokeRole',
  input: { accountId: string; role: Role },
  m: CommandMetadata,
) {
  const actorRolesNow = await actorRoles(deps.store, m.actor);
  const data = { role: input.role, actorRoles: actorRolesNow };
  return outcome(await runAccount(deps.store, input.accountId, type, data, m));
}

export const grantRole = (
  deps: Store,
  input: { accountId: string; role: Role },
  m: CommandMetadata,
) => changeRole(deps, 'GrantRole', input, m);

export const revokeRole = (
  deps: Store,
  input: { accountId: string; role: Role },
  m: CommandMetadata,
) => changeRole(deps, 'RevokeRole', input, m);

export async function disableAccount(
  deps: Store,
  input: { accountId: string; reason: string },
  m: CommandMetadata,
) {
  const roles = await actorRoles(deps.store, m.actor);
  const data = { reason: input.reason, actorRoles: roles };
  return outcome(await runAccount(deps.store, input.accountId, 'DisableAccount', data, m));
}

export async function enableAccount(deps: Store, input: { accountId: string }, m: CommandMetadata) {
  const roles = await actorRoles(deps.store, m.actor);
  return outcome(
    await runAccount(deps.store, input.accountId, 'EnableAccount', { actorRoles: roles }, m),
  );
}

/**
 * New name/email/mobile/Aadhaar. A new email is reserved (under every lookup
 * key) before the account changes and the old one released after, so the
 * person always holds at least one of them; on retry each step is a no-op.
 */
export async function changePersonalData(
  deps: AccountDeps,
  input: {
    accountId: string;
    name: string;
    email: string;
    mobile: string;
    aadhaar?: string | null;
  },
  m: CommandMetadata,
): Promise<CommandOutcome> {
  const valid = validatePersonalData(input);
  if (valid instanceof DomainError) throw valid;
  const { accountId } = input;
  // On a retry, compare with the account as it was before this command's own event.
  const { state } = await loadAccountHistory(deps.store, accountId, { before: m.commandId });
  if (state.status === 'unregistered' || state.status === 'abandoned')
    throw new DomainError('ACCOUNT_NOT_FOUND', 'no such account');
  if (state.status === 'forgotten')
    throw new DomainError('ACCOUNT_FORGOTTEN', 'this person has been forgotten');
  const previous = await openPersonalData(deps.vault, state.personal);
  const newEmails = emailTargets(deps, valid.email);
  // Compared in clear: one address's lookup differs once the lookup key has rotated.
  const emailChanged = previous
    ? normaliseEmail(previous.email) !== normaliseEmail(valid.email)
    : !newEmails.some((t) => t.key === state.emailLookup);
  const oldEmails = emailChanged ? heldEmails(deps, state.emailLookup, previous?.email) : [];
  if (emailChanged) await reserveAll(deps.store, newEmails, accountId, m);
  let result;
  try {
    const personal = await deps.vault.seal(accountId, valid);
    const data = {
      personal,
      emailLookup: emailChanged ? newEmails[0]!.key : state.emailLookup,
      mobileChanged: previous?.mobile !== valid.mobile,
    };
    result = await runAccount(deps.store, accountId, 'ChangePersonalData', data, m);
  } catch (error) {
    if (emailChanged) await releaseAll(deps.store, newEmails, accountId, 'claim_abandoned', m);
    throw error;
  }
  await releaseAll(deps.store, oldEmails, accountId, 'email_changed', m);
  return { position: result.position };
}

/**
 * Erasure. Authority is decided first; then the key is shredded, then the
 * fact is recorded, then the email is released so the person may sign up
 * again. The key goes before the event so a crash never leaves an account
 * marked forgotten whose data can still be read; a retry finishes the rest.
 */
export async function forgetPerson(
  deps: Pick<AccountDeps, 'store' | 'vault' | 'lookupKey' | 'previousLookupKeys'>,
  input: { accountId: string },
  m: CommandMetadata,
): Promise<CommandOutcome> {
  const { accountId } = input;
  const { events, state } = await loadAccountHistory(deps.store, accountId);
  const roles = await actorRoles(deps.store, m.actor);
  const command = { type: 'ForgetPerson', data: { actorRoles: roles }, metadata: m } as const;
  const decided = decideAccount(command, state);
  if (decided instanceof DomainError) throw decided;
  // The address under every lookup key, while it can still be read. A retry
  // after the key is gone, or a key the vault cannot unwrap, leaves only the
  // recorded lookup (and reserve() lets anyone reclaim an email a forgotten
  // account still holds): erasure must not wait for a readable key.
  const previous =
    'personal' in state
      ? await openPersonalData(deps.vault, state.personal).catch((error: unknown) => {
          if (error instanceof VaultError) return null;
          throw error;
        })
      : null;
  const emails = heldEmails(deps, lastEmailLookup(events), previous?.email);
  await deps.vault.forget(accountId);
  const result = await handleCommand(deps.store, accountStream(accountId), accountDecider, command);
  await releaseAll(deps.store, emails, accountId, 'forgotten', m);
  return { position: result.position };
}

/** The reservations an account may hold for its email: the recorded lookup, and the address under every key. */
function heldEmails(
  keys: Pick<AccountDeps, 'lookupKey' | 'previousLookupKeys'>,
  recorded: string | null,
  email: string | undefined,
): ReservationTarget[] {
  const lookups = new Set(recorded === null ? [] : [recorded]);
  if (email !== undefined) for (const lookup of emailLookups(keys, email)) lookups.add(lookup);
  return [...lookups].map((key) => ({ kind: 'email', key }));
}

const outcome = (result: { position: string | null }): CommandOutcome => ({
  position: result.position,
});
