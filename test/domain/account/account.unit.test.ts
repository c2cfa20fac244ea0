import { describe, expect, it } from 'vitest';
import {
  accountDecider,
  accountEvents,
  BOOTSTRAP_ACTOR,
  looksLikePasswordHash,
  type AccountCommand,
  type AccountEvent,
  type Role,
} from '../../../src/domain/account/index.ts';
import type { SealedPersonalData } from '../../../src/privacy/sealed.ts';
import { given } from '../../support/decider-spec.ts';

describe('account decider', () => {
  describe('RegisterAccount', () => {
    it('registers a customer with unverified email and mobile', () => {
      given(accountDecider).when(register()).then([registered]);
    });
    it('lets a superuser register an admin', () => {
      given(accountDecider)
        .when(register({ role: 'admin', actorRoles: ['superuser'] }, SUPER))
        .then([{ ...registered, data: { ...registered.data, roles: ['admin'] } }]);
    });
    it('lets the CLI bootstrap register the first superuser', () => {
      const outcome = given(accountDecider).when(
        register({ role: 'superuser' }, BOOTSTRAP_ACTOR),
      ).outcome;
      expect(outcome).toMatchObject([{ data: { roles: ['superuser'] } }]);
    });
    it('rejects staff roles from anyone but a superuser', () => {
      given(accountDecider)
        .when(register({ role: 'admin', actorRoles: ['admin'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
    });
    it('rejects a second registration of the same account', () => {
      given(accountDecider, [registered]).when(register()).thenFails('ACCOUNT_EXISTS');
    });
    it('rejects personal data sealed under another subject', () => {
      given(accountDecider)
        .when(register({ personal: { ...sealed, subject: OTHER } }))
        .thenFails('SEAL_SUBJECT_MISMATCH');
    });
  });

  describe('VerifyEmail / VerifyMobile', () => {
    it('records each verification once', () => {
      given(accountDecider, [registered])
        .when(cmd('VerifyEmail', {}))
        .then([{ type: 'EmailVerified', data: { at: NOW } }]);
      given(accountDecider, [registered])
        .when(cmd('VerifyMobile', {}))
        .then([{ type: 'MobileVerified', data: { at: NOW } }]);
    });
    it('does nothing when already verified', () => {
      given(accountDecider, [registered, emailVerified]).when(cmd('VerifyEmail', {})).then([]);
      given(accountDecider, [registered, mobileVerified]).when(cmd('VerifyMobile', {})).then([]);
    });
    it('rejects an unknown account', () => {
      given(accountDecider).when(cmd('VerifyEmail', {})).thenFails('ACCOUNT_NOT_FOUND');
    });
    it('rejects a disabled account', () => {
      given(accountDecider, [registered, disabled])
        .when(cmd('VerifyMobile', {}))
        .thenFails('ACCOUNT_DISABLED');
      given(accountDecider, [registered, disabled])
        .when(cmd('VerifyEmail', {}))
        .thenFails('ACCOUNT_DISABLED');
    });
  });

  describe('SetPassword / ChangePassword', () => {
    it('sets the first password hash, then changes it', () => {
      given(accountDecider, [registered])
        .when(cmd('SetPassword', { passwordHash: HASH }))
        .then([{ type: 'PasswordSet', data: { passwordHash: HASH, at: NOW } }]);
      given(accountDecider, [registered, passwordSet])
        .when(cmd('ChangePassword', { passwordHash: HASH2 }))
        .then([{ type: 'PasswordChanged', data: { passwordHash: HASH2, at: NOW } }]);
    });
    it('rejects anything that is not a hash, such as a clear password', () => {
      for (const passwordHash of ['', 'hunter2hunter2', '$argon2id$', 'x'.repeat(40)])
        given(accountDecider, [registered])
          .when(cmd('SetPassword', { passwordHash }))
          .thenFails('INVALID_PASSWORD_HASH');
    });
    it('rejects setting twice and changing before setting', () => {
      given(accountDecider, [registered, passwordSet])
        .when(cmd('SetPassword', { passwordHash: HASH2 }))
        .thenFails('PASSWORD_ALREADY_SET');
      given(accountDecider, [registered])
        .when(cmd('ChangePassword', { passwordHash: HASH2 }))
        .thenFails('PASSWORD_NOT_SET');
    });
    it('rejects a disabled account', () => {
      given(accountDecider, [registered, passwordSet, disabled])
        .when(cmd('ChangePassword', { passwordHash: HASH2 }))
        .thenFails('ACCOUNT_DISABLED');
    });
    it('accepts argon2id, scrypt and bcrypt PHC-style strings', () => {
      expect(looksLikePasswordHash(HASH)).toBe(true);
      expect(
        looksLikePasswordHash('$scrypt$ln=15,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'),
      ).toBe(true);
      expect(
        looksLikePasswordHash('$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'),
      ).toBe(true);
    });
  });

  describe('GrantRole / RevokeRole', () => {
    it('a superuser grants and revokes a role', () => {
      given(accountDecider, [registered])
        .when(cmd('GrantRole', { role: 'admin', actorRoles: ['superuser'] }, SUPER))
        .then([{ type: 'RoleGranted', data: { role: 'admin', by: SUPER, at: NOW } }]);
      given(accountDecider, [registered, grantedAdmin])
        .when(cmd('RevokeRole', { role: 'customer', actorRoles: ['superuser'] }, SUPER))
        .then([{ type: 'RoleRevoked', data: { role: 'customer', by: SUPER, at: NOW } }]);
    });
    it('granting a held role or revoking an absent one does nothing', () => {
      given(accountDecider, [registered])
        .when(cmd('GrantRole', { role: 'customer', actorRoles: ['superuser'] }, SUPER))
        .then([]);
      given(accountDecider, [registered])
        .when(cmd('RevokeRole', { role: 'auditor', actorRoles: ['superuser'] }, SUPER))
        .then([]);
    });
    it('only a superuser may grant or revoke', () => {
      given(accountDecider, [registered])
        .when(cmd('GrantRole', { role: 'admin', actorRoles: ['admin'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
      given(accountDecider, [registered, grantedAdmin])
        .when(cmd('RevokeRole', { role: 'admin', actorRoles: ['admin', 'customer'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
    });
    it('cannot revoke the last role', () => {
      given(accountDecider, [registered])
        .when(cmd('RevokeRole', { role: 'customer', actorRoles: ['superuser'] }, SUPER))
        .thenFails('LAST_ROLE');
    });
    it('a superuser cannot revoke their own superuser role', () => {
      const own = { type: 'RoleGranted', data: { role: 'superuser', by: SUPER, at: NOW } } as const;
      given(accountDecider, [registered, own])
        .when(cmd('RevokeRole', { role: 'superuser', actorRoles: ['superuser'] }, ID))
        .thenFails('OWN_SUPERUSER_ROLE');
    });
    it('rejects a forgotten account', () => {
      given(accountDecider, [registered, forgotten])
        .when(cmd('GrantRole', { role: 'admin', actorRoles: ['superuser'] }, SUPER))
        .thenFails('ACCOUNT_FORGOTTEN');
    });
  });

  describe('DisableAccount / EnableAccount', () => {
    it('an admin disables and re-enables a customer', () => {
      given(accountDecider, [registered])
        .when(cmd('DisableAccount', { reason: ' fraud ', actorRoles: ['admin'] }, OTHER))
        .then([{ type: 'AccountDisabled', data: { reason: 'fraud', by: OTHER, at: NOW } }]);
      given(accountDecider, [registered, disabled])
        .when(cmd('EnableAccount', { actorRoles: ['admin'] }, OTHER))
        .then([{ type: 'AccountEnabled', data: { by: OTHER, at: NOW } }]);
    });
    it('repeats are no-ops', () => {
      given(accountDecider, [registered, disabled])
        .when(cmd('DisableAccount', { reason: 'again', actorRoles: ['superuser'] }, SUPER))
        .then([]);
      given(accountDecider, [registered])
        .when(cmd('EnableAccount', { actorRoles: ['superuser'] }, SUPER))
        .then([]);
    });
    it('only a superuser may disable staff; customers may not disable anyone', () => {
      given(accountDecider, [registered, grantedAdmin])
        .when(cmd('DisableAccount', { reason: 'x', actorRoles: ['admin'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
      given(accountDecider, [registered])
        .when(cmd('DisableAccount', { reason: 'x', actorRoles: ['customer'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
      given(accountDecider, [registered, disabled])
        .when(cmd('EnableAccount', { actorRoles: ['customer'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
    });
    it('requires a reason', () => {
      given(accountDecider, [registered])
        .when(cmd('DisableAccount', { reason: '  ', actorRoles: ['superuser'] }, SUPER))
        .thenFails('REASON_REQUIRED');
    });
  });

  describe('ChangePersonalData', () => {
    it('records new sealed data and resets verification of what changed', () => {
      const spec = given(accountDecider, [registered, emailVerified, mobileVerified]);
      spec
        .when(
          cmd('ChangePersonalData', { personal: sealed2, emailLookup: 'e2', mobileChanged: true }),
        )
        .then([changed('e2', true, true)]);
      const next = [registered, emailVerified, mobileVerified, changed('e2', true, false)];
      expect(given(accountDecider, next).state).toMatchObject({
        emailVerified: false,
        mobileVerified: true,
        emailLookup: 'e2',
        personal: sealed2,
      });
    });
    it('keeps email verification when only the name changes', () => {
      given(accountDecider, [registered])
        .when(
          cmd('ChangePersonalData', {
            personal: sealed2,
            emailLookup: LOOKUP,
            mobileChanged: false,
          }),
        )
        .then([changed(LOOKUP, false, false)]);
    });
    it('rejects data sealed for someone else, and disabled accounts', () => {
      const data = {
        personal: { ...sealed2, subject: OTHER },
        emailLookup: 'e',
        mobileChanged: false,
      };
      given(accountDecider, [registered])
        .when(cmd('ChangePersonalData', data))
        .thenFails('SEAL_SUBJECT_MISMATCH');
      given(accountDecider, [registered, disabled])
        .when(cmd('ChangePersonalData', { ...data, personal: sealed2 }))
        .thenFails('ACCOUNT_DISABLED');
    });
  });

  describe('ForgetPerson', () => {
    it('the person themselves or a superuser may forget them', () => {
      given(accountDecider, [registered])
        .when(cmd('ForgetPerson', { actorRoles: ['customer'] }, ID))
        .then([forgotten]);
      given(accountDecider, [registered, disabled])
        .when(cmd('ForgetPerson', { actorRoles: ['superuser'] }, SUPER))
        .then([{ type: 'PersonForgotten', data: { by: SUPER, at: NOW } }]);
    });
    it('leaves no personal data in state, and a repeat does nothing', () => {
      const spec = given(accountDecider, [registered, forgotten]);
      expect(spec.state).toEqual({
        status: 'forgotten',
        accountId: ID,
        username: 'asha',
        roles: ['customer'],
        forgottenAt: NOW,
      });
      spec.when(cmd('ForgetPerson', { actorRoles: [] }, ID)).then([]);
    });
    it('rejects anyone else, and every other command afterwards', () => {
      given(accountDecider, [registered])
        .when(cmd('ForgetPerson', { actorRoles: ['admin'] }, OTHER))
        .thenFails('NOT_AUTHORISED');
      given(accountDecider, [registered, forgotten])
        .when(cmd('VerifyEmail', {}))
        .thenFails('ACCOUNT_FORGOTTEN');
      given(accountDecider, [registered, forgotten]).when(register()).thenFails('ACCOUNT_EXISTS');
    });
  });

  describe('AbandonRegistration', () => {
    it('closes an account stream that was never registered', () => {
      given(accountDecider)
        .when(cmd('AbandonRegistration', { reclaimedBy: OTHER }, OTHER))
        .then([abandoned]);
    });
    it('is a no-op when already abandoned', () => {
      given(accountDecider, [abandoned])
        .when(cmd('AbandonRegistration', { reclaimedBy: SUPER }, SUPER))
        .then([]);
    });
    it('rejects a registered account', () => {
      given(accountDecider, [registered])
        .when(cmd('AbandonRegistration', { reclaimedBy: OTHER }, OTHER))
        .thenFails('ACCOUNT_EXISTS');
    });
    it('an abandoned sign-up can never register, and has no account', () => {
      given(accountDecider, [abandoned]).when(register()).thenFails('REGISTRATION_ABANDONED');
      given(accountDecider, [abandoned])
        .when(cmd('VerifyEmail', {}))
        .thenFails('ACCOUNT_NOT_FOUND');
    });
  });

  it('every event the decider emits matches its catalog schema', () => {
    const all: AccountEvent[] = [registered, emailVerified, passwordSet, grantedAdmin, disabled];
    for (const event of [...all, changed('e2', true, true), forgotten, abandoned])
      expect(() => accountEvents.schemas[event.type].parse(event.data)).not.toThrow();
  });

  // Fixtures
  const ID = '0b8f3c1e-7d2a-4c9b-9a61-2f4e5d6c7b8a';
  const OTHER = '1c9a4d2f-8e3b-4dac-8b72-3a5f6e7d8c9b';
  const SUPER = '2dab5e3a-9f4c-4ebd-9c83-4b6a7f8e9dac';
  const NOW = '2026-03-01T10:00:00.000Z';
  const LOOKUP = 'a'.repeat(64);
  const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
  const HASH2 = '$argon2id$v=19$m=65536,t=3,p=4$b3RoZXJzYWx0$qLml5cbi8XcVPr8dkKmMyHzDFhLzLqQN';
  const sealed: SealedPersonalData = {
    v: 1,
    subject: ID,
    iv: 'aXYtaXYtaXYt',
    ct: 'Y2lwaGVydGV4dA',
  };
  const sealed2 = { ...sealed, ct: 'bmV3LWNpcGhlcg' };

  function cmd<T extends AccountCommand['type']>(
    type: T,
    data: Extract<AccountCommand, { type: T }>['data'],
    actor = ID,
  ): AccountCommand {
    return { type, data, metadata: { now: NOW, commandId: 'cmd-1', actor } } as AccountCommand;
  }
  function register(
    overrides: Partial<{ role: Role; actorRoles: Role[]; personal: typeof sealed }> = {},
    actor = 'anonymous',
  ): AccountCommand {
    return cmd(
      'RegisterAccount',
      {
        accountId: ID,
        username: 'asha',
        role: 'customer',
        personal: sealed,
        emailLookup: LOOKUP,
        consentGivenAt: NOW,
        actorRoles: [],
        ...overrides,
      },
      actor,
    );
  }
  const registered: Extract<AccountEvent, { type: 'AccountRegistered' }> = {
    type: 'AccountRegistered',
    data: {
      accountId: ID,
      username: 'asha',
      roles: ['customer'],
      personal: sealed,
      emailLookup: LOOKUP,
      consentGivenAt: NOW,
      registeredAt: NOW,
    },
  };
  const emailVerified: AccountEvent = { type: 'EmailVerified', data: { at: NOW } };
  const mobileVerified: AccountEvent = { type: 'MobileVerified', data: { at: NOW } };
  const passwordSet: AccountEvent = { type: 'PasswordSet', data: { passwordHash: HASH, at: NOW } };
  const grantedAdmin: AccountEvent = {
    type: 'RoleGranted',
    data: { role: 'admin', by: SUPER, at: NOW },
  };
  const disabled: AccountEvent = {
    type: 'AccountDisabled',
    data: { reason: 'fraud', by: SUPER, at: NOW },
  };
  const forgotten: AccountEvent = { type: 'PersonForgotten', data: { by: ID, at: NOW } };
  const abandoned: AccountEvent = {
    type: 'RegistrationAbandoned',
    data: { reclaimedBy: OTHER, at: NOW },
  };
  function changed(
    emailLookup: string,
    emailChanged: boolean,
    mobileChanged: boolean,
  ): AccountEvent {
    return {
      type: 'PersonalDataChanged',
      data: { personal: sealed2, emailLookup, emailChanged, mobileChanged, at: NOW },
    };
  }
});
