// Who is signed in, shared by every page: the profile from /api/auth/me, or
// anonymous. Pages read `session.status` and `session.has(role)`; sign-in pages
// call `refresh()` after the server sets the cookie.

import { ApiError } from './api.ts';
import { authApi, type AuthApi, type Profile, type Role } from './auth-api.ts';

export type SessionStatus = 'unknown' | 'anonymous' | 'signed-in';

export class Session {
  profile = $state<Profile | null>(null);
  status = $state<SessionStatus>('unknown');

  constructor(private readonly auth: Pick<AuthApi, 'me' | 'logout'>) {}

  has(...roles: Role[]): boolean {
    return this.profile !== null && roles.some((r) => this.profile!.roles.includes(r));
  }

  /** The area a person lands in after signing in. */
  get home(): string {
    if (this.has('admin', 'superuser')) return '/admin';
    if (this.has('auditor')) return '/audit';
    return '/portal';
  }

  async refresh(): Promise<void> {
    try {
      this.profile = await this.auth.me();
      this.status = 'signed-in';
    } catch (error) {
      // Only "not signed in" means anonymous; anything else is a real failure for the caller.
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      this.profile = null;
      this.status = 'anonymous';
    }
  }

  async signOut(): Promise<void> {
    await this.auth.logout();
    this.profile = null;
    this.status = 'anonymous';
  }
}

export const session = new Session(authApi());
