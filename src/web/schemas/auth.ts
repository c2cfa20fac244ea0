// Wire shapes of /api/auth/* (src/web/routes/auth-*.ts): the signed-in
// account's profile, signing up and signing in. Commands that only report
// what happened answer with `statusSchema` (wire.ts).

import { z } from 'zod';
import { ROLES } from '../../domain/account/events.ts';

export const roleSchema = z.enum(ROLES);
export type Role = z.input<typeof roleSchema>;

export const profileSchema = z.object({
  accountId: z.string(),
  username: z.string(),
  roles: z.array(roleSchema),
  status: z.enum(['active', 'disabled', 'forgotten']),
  emailVerified: z.boolean(),
  mobileVerified: z.boolean(),
  personal: z
    .object({
      name: z.string(),
      email: z.string(),
      mobile: z.string(),
      aadhaarMasked: z.string().nullable(),
    })
    .nullable(),
});
export type Profile = z.input<typeof profileSchema>;

export const signupBody = z.strictObject({
  name: z.string().max(200),
  username: z.string().max(64),
  email: z.string().max(254),
  mobile: z.string().max(20),
  password: z.string().max(1024),
  consent: z.literal(true),
  aadhaar: z.string().max(20).optional(),
});
export type SignupInput = z.input<typeof signupBody>;

export const signInResultSchema = z.object({ status: z.enum(['signed-in', 'mfa-required']) });
export type SignInStatus = z.input<typeof signInResultSchema>['status'];
