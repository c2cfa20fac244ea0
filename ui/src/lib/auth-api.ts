// Typed calls to /api/auth/*: what each route takes and answers, typed by the
// routes' own zod schemas (src/web/schemas/auth.ts, imported as types only).

import type { Profile, Role, SignInStatus, SignupInput } from '../../../src/web/schemas/auth.ts';
import type { StatusAnswer } from '../../../src/web/schemas/wire.ts';
import { api, type Api } from './api.ts';

export type { Profile, Role, SignInStatus, SignupInput };

export const authApi = (client: Api = api) => ({
  me: () => client.get<Profile>('/api/auth/me'),
  signup: (input: SignupInput, idempotencyKey: string) =>
    client.post<StatusAnswer<'check-email'>>('/api/auth/signup', input, { idempotencyKey }),
  verifyEmail: (token: string) =>
    client.post<StatusAnswer<'email-verified'>>('/api/auth/verify-email', { token }),
  resendEmail: () => client.post<StatusAnswer<'check-email'>>('/api/auth/verify-email/resend'),
  verifyMobile: (code: string) =>
    client.post<StatusAnswer<'mobile-verified'>>('/api/auth/verify-mobile', { code }),
  resendMobile: () => client.post<StatusAnswer<'code-sent'>>('/api/auth/verify-mobile/resend'),
  login: (username: string, password: string) =>
    client.post<StatusAnswer<SignInStatus>>('/api/auth/login', { username, password }),
  mfa: (code: string) => client.post<StatusAnswer<'signed-in'>>('/api/auth/login/mfa', { code }),
  resendMfa: () => client.post<StatusAnswer<'code-sent'>>('/api/auth/login/mfa/resend'),
  requestLink: (email: string) =>
    client.post<StatusAnswer<'check-email'>>('/api/auth/login/link', { email }),
  consumeLink: (token: string) =>
    client.post<StatusAnswer<SignInStatus>>('/api/auth/login/link/consume', { token }),
  requestReset: (email: string) =>
    client.post<StatusAnswer<'check-email'>>('/api/auth/password/reset', { email }),
  confirmReset: (token: string, newPassword: string) =>
    client.post<StatusAnswer<'password-changed'>>('/api/auth/password/reset/confirm', {
      token,
      newPassword,
    }),
  logout: () => client.post<StatusAnswer<'signed-out'>>('/api/auth/logout'),
  changePassword: (newPassword: string, currentPassword?: string) =>
    client.post<StatusAnswer<'password-changed'>>('/api/auth/password/change', {
      newPassword,
      ...(currentPassword ? { currentPassword } : {}),
    }),
});

export type AuthApi = ReturnType<typeof authApi>;

/** The token in a link's fragment (`#token=…`); fragments never reach server logs. */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}
