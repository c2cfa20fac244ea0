// Typed error codes of the property decider, so the web layer can map each one
// to a problem+json response once.

import { DomainError } from '../shared/decider.ts';

export type PropertyErrorCode =
  | 'PROPERTY_NOT_FOUND'
  | 'PROPERTY_EXISTS'
  | 'INVALID_PROPERTY'
  | 'NOT_OWNER'
  | 'SELF_APPROVAL'
  | 'PROPERTY_NOT_PENDING'
  | 'REASON_REQUIRED'
  | 'PROPERTY_NOT_ACTIVE'
  | 'PROPERTY_DEACTIVATED'
  | 'PROPERTY_NOT_DISABLED'
  | 'CANNOT_INVITE_SELF'
  | 'TENANT_ALREADY_PRESENT'
  | 'INVITATION_EXISTS'
  | 'INVITATION_PENDING'
  | 'INVALID_EXPIRY'
  | 'INVITATION_NOT_FOUND'
  | 'NOT_INVITED'
  | 'INVITATION_REVOKED'
  | 'INVITATION_EXPIRED'
  | 'INVITATION_ALREADY_ANSWERED'
  | 'NO_TENANT'
  | 'NOT_TENANT'
  | 'NOT_SYSTEM'
  | 'NOT_FLAGGED';

export type PropertyError = DomainError<PropertyErrorCode>;

export const fail = (code: PropertyErrorCode, message: string): PropertyError =>
  new DomainError(code, message);
