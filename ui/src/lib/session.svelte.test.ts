import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import type { Profile } from './auth-api.ts';
import { Session } from './session.svelte.ts';

const profile = (roles: Profile['roles']): Profile => ({
  accountId: 'a-1',
  username: 'asha',
  roles,
  status: 'active',
  emailVerified: true,
  mobileVerified: true,
  personal: { name: 'Asha', email: 'asha@example.in', mobile: '9876543210', aadhaarMasked: null },
});

const unauthenticated = () => new ApiError({ status: 401, code: 'UNAUTHENTICATED' });

function sessionWith(me: () => Promise<Profile>) {
  let loggedOut = 0;
  const session = new Session({
    me,
    logout: async () => {
      loggedOut++;
      return { status: 'signed-out' as const };
    },
  });
  return { session, loggedOut: () => loggedOut };
}

describe('Session', () => {
  it('starts unknown and becomes signed-in with the profile from /me', async () => {
    const { session } = sessionWith(async () => profile(['customer']));
    expect(session.status).toBe('unknown');
    await session.refresh();
    expect(session.status).toBe('signed-in');
    expect(session.profile?.username).toBe('asha');
    expect(session.home).toBe('/portal');
  });

  it('is anonymous when /me answers 401', async () => {
    const { session } = sessionWith(async () => {
      throw unauthenticated();
    });
    await session.refresh();
    expect(session.status).toBe('anonymous');
    expect(session.has('customer')).toBe(false);
  });

  it('passes on any other failure instead of pretending the person is signed out', async () => {
    const { session } = sessionWith(async () => {
      throw new ApiError({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    });
    await expect(session.refresh()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(session.status).toBe('unknown');
  });

  it('sends staff to the dashboard and auditors to the audit view', async () => {
    const admin = sessionWith(async () => profile(['admin']));
    await admin.session.refresh();
    expect(admin.session.home).toBe('/admin');
    const auditor = sessionWith(async () => profile(['auditor']));
    await auditor.session.refresh();
    expect(auditor.session.home).toBe('/audit');
    expect(auditor.session.has('admin', 'superuser')).toBe(false);
  });

  it('signs out on the server and forgets the profile', async () => {
    const { session, loggedOut } = sessionWith(async () => profile(['customer']));
    await session.refresh();
    await session.signOut();
    expect(loggedOut()).toBe(1);
    expect(session.status).toBe('anonymous');
    expect(session.profile).toBeNull();
  });
});
