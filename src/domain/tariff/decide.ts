// Commands on a tariff stream: publishing a new version. Versions only ever
// increase, each takes effect strictly later than the one before and (after
// the first) never before the day it is published, so the version in force on
// any date is unambiguous and never changes after the fact.

import { DomainError, type Command } from '../shared/decider.ts';
import type { PropertyKind, TariffEvent, TariffState, TariffVersion } from './events.ts';
import { validateTariff, type TariffValidationCode } from './validate.ts';

export type PublishTariffVersion = Command<
  'PublishTariffVersion',
  { kind: PropertyKind; terms: TariffVersion }
>;

export type TariffCommand = PublishTariffVersion;

export type TariffErrorCode =
  | TariffValidationCode
  | 'VERSION_NOT_INCREASING'
  | 'EFFECTIVE_DATE_NOT_LATER'
  | 'EFFECTIVE_DATE_IN_PAST'
  | 'KIND_MISMATCH';

export type TariffError = DomainError<TariffErrorCode>;

export function decide(command: TariffCommand, state: TariffState): TariffEvent[] | TariffError {
  switch (command.type) {
    case 'PublishTariffVersion': {
      const { kind, terms } = command.data;
      const invalid = validateTariff(terms);
      if (invalid) return invalid;
      if (state.status === 'published') {
        if (state.kind !== kind)
          return new DomainError('KIND_MISMATCH', `this stream holds ${state.kind} tariffs`);
        const last = state.versions[state.versions.length - 1]!;
        if (terms.version <= last.version)
          return new DomainError(
            'VERSION_NOT_INCREASING',
            `version ${terms.version} is not after version ${last.version}`,
          );
        // A back-dated later version would change which tariff was "in force"
        // for bills already issued, and their audit would no longer hold. (The
        // first version may be back-dated: no bill can predate every tariff.)
        if (terms.effectiveFrom < command.metadata.now.slice(0, 10))
          return new DomainError(
            'EFFECTIVE_DATE_IN_PAST',
            'a new version cannot take effect in the past',
          );
        if (terms.effectiveFrom <= last.effectiveFrom)
          return new DomainError(
            'EFFECTIVE_DATE_NOT_LATER',
            `effectiveFrom must be after ${last.effectiveFrom}`,
          );
      }
      return [
        {
          type: 'TariffVersionPublished',
          data: {
            ...terms,
            kind,
            publishedAt: command.metadata.now,
            publishedBy: command.metadata.actor,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command.type;
      return _exhaustive;
    }
  }
}
