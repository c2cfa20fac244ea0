// Wire shapes of properties and tenancy (src/web/routes/properties.ts,
// tenancy.ts): what the portal lists and shows, what it sends to add a
// property or invite a tenant. Types are the wire side (`z.input`, see wire.ts).

import { z } from 'zod';
import { instant, int } from './wire.ts';

export const propertyKindSchema = z.enum(['residential', 'commercial']);
export type PropertyKind = z.input<typeof propertyKindSchema>;

export const propertyStatusSchema = z.enum([
  'pending',
  'approved',
  'rejected',
  'disabled',
  'deactivated',
]);
export type PropertyStatus = z.input<typeof propertyStatusSchema>;

/** An address as opened from its sealed envelope. */
export const addressSchema = z.object({
  houseNo: z.string(),
  building: z.string(),
  street: z.string(),
  city: z.string(),
  state: z.string(),
  pincode: z.string(),
});
export type Address = z.input<typeof addressSchema>;

/** The other party of a tenancy, opened for the owner or tenant. */
export const contactCardSchema = z.object({
  accountId: z.string(),
  username: z.string(),
  name: z.string(),
  email: z.string(),
  mobile: z.string(),
});
export type ContactCard = z.input<typeof contactCardSchema>;

export const meterStatusSchema = z.object({
  meterId: z.string(),
  serial: z.string(),
  status: z.enum(['enabled', 'disabled']),
  online: z.boolean(),
  lastSeenAt: instant.nullable(),
  lastReadAt: instant.nullable(),
  lastRegisterWh: int.nullable(),
});
export type MeterStatus = z.input<typeof meterStatusSchema>;

export const propertySchema = z.object({
  propertyId: z.string(),
  role: z.enum(['owner', 'tenant']),
  ownerId: z.string(),
  tenantId: z.string().nullable(),
  status: propertyStatusSchema,
  statusReason: z.string().nullable(),
  kind: propertyKindSchema,
  city: z.string(),
  state: z.string(),
  pincode: z.string(),
  missedPeriod: z.string().nullable(),
  addedAt: instant,
  meter: meterStatusSchema.nullable(),
});
export type Property = z.input<typeof propertySchema>;

export const propertyDetailSchema = propertySchema.extend({
  address: addressSchema.nullable(),
  openInvitation: z
    .object({ invitationId: z.string(), tenantId: z.string(), expiresAt: instant })
    .nullable(),
});
export type PropertyDetail = z.input<typeof propertyDetailSchema>;

export const addPropertyBody = z.strictObject({
  kind: propertyKindSchema,
  address: z.strictObject({
    houseNo: z.string().max(50),
    building: z.string().max(100),
    street: z.string().max(200),
    city: z.string().min(1).max(100),
    state: z.string().min(1).max(100),
    pincode: z.string().regex(/^\d{6}$/, 'a 6-digit pincode'),
  }),
});
export type AddPropertyInput = z.input<typeof addPropertyBody>;

export const propertyAddedSchema = z.object({
  propertyId: z.uuid(),
  status: z.literal('pending'),
});
export type PropertyAdded = z.input<typeof propertyAddedSchema>;

export const invitationSchema = z.object({
  invitationId: z.string(),
  propertyId: z.string(),
  city: z.string(),
  pincode: z.string(),
  owner: contactCardSchema.nullable(),
  invitedAt: instant,
  expiresAt: instant,
});
export type Invitation = z.input<typeof invitationSchema>;

export const inviteBody = z.strictObject({
  username: z.string().min(1).max(64),
  mobile: z.string().min(10).max(20),
});
export type InviteInput = z.input<typeof inviteBody>;

export const invitedSchema = z.object({ invitationId: z.uuid() });
export type Invited = z.input<typeof invitedSchema>;

export const contactsSchema = z.object({
  owner: contactCardSchema.nullable(),
  tenant: contactCardSchema.nullable(),
});
export type Contacts = z.input<typeof contactsSchema>;
