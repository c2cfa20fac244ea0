// Typed calls to /api/auth/*: what each route takes and answers (mirrors the
// zod schemas in src/web/routes/auth-*.ts).

import { api, type Api } from './api.ts';

export type Role = 'customer' | 'admin' | 'superuser' | 'auditor';

export interface Profile {
  accountId: string;
  username: string;
  roles: Role[];
  status: 'active' | 'disabled' | 'forgotten';
  emailVerified: boolean;
  mobileVerified: boolean;
  personal: { name: string; email: string; mobile: string; aadhaarMasked: string | null } | null;
}

export interface SignupInput {
  name: string;
  username: string;
  email: string;
  mobile: string;
  password: string;
  consent: true;
}

export type SignInStatus = 'signed-in' | 'mfa-required';

export const authApi = (client: Api = api) => ({
  me: () => client.get<Profile>('/api/auth/me'),
  signup: (input: SignupInput, idempotencyKey: string) =>
    client.post<{ status: 'check-email' }>('/api/auth/signup', input, { idempotencyKey }),
  verifyEmail: (token: string) =>
    client.post<{ status: 'email-verified' }>('/api/auth/verify-email', { token }),
  resendEmail: () => client.post<{ status: 'check-email' }>('/api/auth/verify-email/resend'),
  verifyMobile: (code: string) =>
    client.post<{ status: 'mobile-verified' }>('/api/auth/verify-mobile', { code }),
  resendMobile: () => client.post<{ status: 'code-sent' }>('/api/auth/verify-mobile/resend'),
  login: (username: string, password: string) =>
    client.post<{ status: SignInStatus }>('/api/auth/login', { username, password }),
  mfa: (code: string) => client.post<{ status: 'signed-in' }>('/api/auth/login/mfa', { code }),
  resendMfa: () => client.post<{ status: 'code-sent' }>('/api/auth/login/mfa/resend'),
  requestLink: (email: string) =>
    client.post<{ status: 'check-email' }>('/api/auth/login/link', { email }),
  consumeLink: (token: string) =>
    client.post<{ status: SignInStatus }>('/api/auth/login/link/consume', { token }),
  requestReset: (email: string) =>
    client.post<{ status: 'check-email' }>('/api/auth/password/reset', { email }),
  confirmReset: (token: string, newPassword: string) =>
    client.post<{ status: 'password-changed' }>('/api/auth/password/reset/confirm', {
      token,
      newPassword,
    }),
  logout: () => client.post<{ status: 'signed-out' }>('/api/auth/logout'),
  changePassword: (newPassword: string, currentPassword?: string) =>
    client.post<{ status: 'password-changed' }>('/api/auth/password/change', {
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
