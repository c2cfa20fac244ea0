// Account commands and the pure `decide`. Authority rules that are business
// rules (who may grant roles, register staff, disable or forget someone) live
// here, fed by the actor's roles that the service loads; checks on clear
// personal data live in validation.ts because sealed data is opaque here.

import type { SealedPersonalData } from '../../privacy/sealed.ts';
import { DomainError, type Command } from '../shared/decider.ts';
import type { AccountEvent, AccountState, Role } from './events.ts';

export type AccountErrorCode =
  | 'ACCOUNT_EXISTS'
  | 'REGISTRATION_ABANDONED'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_DISABLED'
  | 'ACCOUNT_FORGOTTEN'
  | 'NOT_AUTHORISED'
  | 'SEAL_SUBJECT_MISMATCH'
  | 'INVALID_PASSWORD_HASH'
  | 'PASSWORD_ALREADY_SET'
  | 'PASSWORD_NOT_SET'
  | 'LAST_ROLE'
  | 'OWN_SUPERUSER_ROLE'
  | 'REASON_REQUIRED';

/** Roles of whoever issues the command, loaded by the service from their account. */
type Authority = { actorRoles: Role[] };

export type AccountCommand =
  | Command<
      'RegisterAccount',
      Authority & {
        accountId: string;
        username: string;
        role: Role;
        personal: SealedPersonalData;
        emailLookup: string;
        consentGivenAt: string;
      }
    >
  | Command<'VerifyEmail', Record<string, never>>
  | Command<'VerifyMobile', Record<string, never>>
  | Command<'SetPassword', { passwordHash: string }>
  | Command<'ChangePassword', { passwordHash: string }>
  | Command<'GrantRole', Authority & { role: Role }>
  | Command<'RevokeRole', Authority & { role: Role }>
  | Command<'DisableAccount', Authority & { reason: string }>
  | Command<'EnableAccount', Authority>
  | Command<
      'ChangePersonalData',
      { personal: SealedPersonalData; emailLookup: string; mobileChanged: boolean }
    >
  | Command<'ForgetPerson', Authority>
  | Command<'AbandonRegistration', { reclaimedBy: string }>;

type Result = AccountEvent[] | DomainError<AccountErrorCode>;

/** The CLI bootstrap is the only non-superuser that may create staff accounts. */
export const BOOTSTRAP_ACTOR = 'system:bootstrap';

// A PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash, $scrypt$..., bcrypt's $2b$12$...).
// Its job is to catch a clear password passed by mistake, not to parse every scheme.
const PASSWORD_HASH = /^\$[a-z0-9-]{1,32}(\$[A-Za-z0-9+/.=,_-]+){2,}$/;
export const looksLikePasswordHash = (hash: string): boolean =>
  hash.length >= 30 && hash.length <= 512 && PASSWORD_HASH.test(hash);

/** Anyone may sign up as a customer; staff accounts come from a superuser or the bootstrap. */
export const canRegisterRole = (role: Role, actor: string, actorRoles: Role[]): boolean =>
  role === 'customer' || actor === BOOTSTRAP_ACTOR || actorRoles.includes('superuser');

const fail = (code: AccountErrorCode, message: string) => new DomainError(code, message);
const isSuperuser = (a: Authority) => a.actorRoles.includes('superuser');

export function decideAccount(command: AccountCommand, state: AccountState): Result {
  const { now, actor } = command.metadata;
  if (command.type === 'RegisterAccount') {
    const d = command.data;
    if (state.status === 'abandoned')
      return fail('REGISTRATION_ABANDONED', 'this sign-up stalled and its claims were reclaimed');
    if (state.status !== 'unregistered') return fail('ACCOUNT_EXISTS', 'account already exists');
    if (!canRegisterRole(d.role, actor, d.actorRoles))
      return fail('NOT_AUTHORISED', `only a superuser may register a ${d.role}`);
    if (d.personal.subject !== d.accountId)
      return fail('SEAL_SUBJECT_MISMATCH', 'personal data must be sealed under the account id');
    return [
      {
        type: 'AccountRegistered',
        data: {
          accountId: d.accountId,
          username: d.username,
          roles: [d.role],
          personal: d.personal,
          emailLookup: d.emailLookup,
          consentGivenAt: d.consentGivenAt,
          registeredAt: now,
        },
      },
    ];
  }
  if (command.type === 'AbandonRegistration') {
    if (state.status === 'abandoned') return [];
    if (state.status !== 'unregistered') return fail('ACCOUNT_EXISTS', 'account already exists');
    return [
      { type: 'RegistrationAbandoned', data: { reclaimedBy: command.data.reclaimedBy, at: now } },
    ];
  }
  if (state.status === 'unregistered' || state.status === 'abandoned')
    return fail('ACCOUNT_NOT_FOUND', 'no such account');
  if (state.status === 'forgotten') {
    // Forgetting twice is a retry, not an error.
    if (command.type === 'ForgetPerson') return [];
    return fail('ACCOUNT_FORGOTTEN', 'this person has been forgotten');
  }
  const disabled = () => fail('ACCOUNT_DISABLED', 'account is disabled');

  switch (command.type) {
    case 'VerifyEmail':
      if (state.status === 'disabled') return disabled();
      return state.emailVerified ? [] : [{ type: 'EmailVerified', data: { at: now } }];
    case 'VerifyMobile':
      if (state.status === 'disabled') return disabled();
      return state.mobileVerified ? [] : [{ type: 'MobileVerified', data: { at: now } }];
    case 'SetPassword':
    case 'ChangePassword': {
      if (state.status === 'disabled') return disabled();
      const { passwordHash } = command.data;
      if (!looksLikePasswordHash(passwordHash))
        return fail('INVALID_PASSWORD_HASH', 'expected a password hash (PHC string)');
      if (command.type === 'SetPassword' && state.passwordHash !== null)
        return fail('PASSWORD_ALREADY_SET', 'a password is already set; change it instead');
      if (command.type === 'ChangePassword' && state.passwordHash === null)
        return fail('PASSWORD_NOT_SET', 'no password to change; set one first');
      const type = command.type === 'SetPassword' ? 'PasswordSet' : 'PasswordChanged';
      return [{ type, data: { passwordHash, at: now } }];
    }
    case 'GrantRole': {
      if (!isSuperuser(command.data)) return fail('NOT_AUTHORISED', 'only a superuser may grant');
      const { role } = command.data;
      if (state.roles.includes(role)) return [];
      return [{ type: 'RoleGranted', data: { role, by: actor, at: now } }];
    }
    case 'RevokeRole': {
      if (!isSuperuser(command.data)) return fail('NOT_AUTHORISED', 'only a superuser may revoke');
      const { role } = command.data;
      if (!state.roles.includes(role)) return [];
      if (state.roles.length === 1) return fail('LAST_ROLE', 'an account keeps at least one role');
      // A superuser dropping their own superuser role could lock everyone out.
      if (role === 'superuser' && actor === state.accountId)
        return fail('OWN_SUPERUSER_ROLE', 'a superuser cannot revoke their own superuser role');
      return [{ type: 'RoleRevoked', data: { role, by: actor, at: now } }];
    }
    case 'DisableAccount':
    case 'EnableAccount': {
      // Admins manage customers; only a superuser may disable or enable staff.
      const staff = state.roles.some((r) => r !== 'customer');
      const roles = command.data.actorRoles;
      if (!(isSuperuser(command.data) || (!staff && roles.includes('admin'))))
        return fail('NOT_AUTHORISED', 'not allowed to disable or enable this account');
      if (command.type === 'EnableAccount')
        return state.status === 'disabled'
          ? [{ type: 'AccountEnabled', data: { by: actor, at: now } }]
          : [];
      const reason = command.data.reason.trim();
      if (reason === '') return fail('REASON_REQUIRED', 'say why the account is disabled');
      if (state.status === 'disabled') return [];
      return [{ type: 'AccountDisabled', data: { reason, by: actor, at: now } }];
    }
    case 'ChangePersonalData': {
      if (state.status === 'disabled') return disabled();
      const d = command.data;
      if (d.personal.subject !== state.accountId)
        return fail('SEAL_SUBJECT_MISMATCH', 'personal data must be sealed under the account id');
      return [
        {
          type: 'PersonalDataChanged',
          data: {
            personal: d.personal,
            emailLookup: d.emailLookup,
            emailChanged: d.emailLookup !== state.emailLookup,
            mobileChanged: d.mobileChanged,
            at: now,
          },
        },
      ];
    }
    case 'ForgetPerson':
      if (actor !== state.accountId && !isSuperuser(command.data))
        return fail('NOT_AUTHORISED', 'only the person or a superuser may erase personal data');
      return [{ type: 'PersonForgotten', data: { by: actor, at: now } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
