// The vault's typed errors. Messages may name a subject (an account id) or a
// master key id (a hash prefix, not the key); never a key or personal data.

export type VaultErrorCode =
  | 'INVALID_MASTER_KEY'
  | 'MASTER_KEY_NOT_CONFIGURED'
  | 'KEY_UNWRAP_FAILED'
  | 'DECRYPTION_FAILED'
  | 'MALFORMED_SEALED_DATA'
  | 'UNKNOWN_SUBJECT'
  | 'SUBJECT_FORGOTTEN';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
