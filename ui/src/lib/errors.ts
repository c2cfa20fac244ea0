// What a person is told when something fails. An ApiError already carries a
// friendly, translated message (api.ts); anything else thrown is a bug they
// cannot act on, so it reads as the generic message.

import { t } from './i18n/index.ts';

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : t('errors.generic');
}
