// Stops a run whose credentials point at another account or region than the state's, before any
// call that changes AWS: acting on the wrong account would create a second stack or orphan the first.
import { StateError } from '../src/errors';
import type { StateReader } from './store';

/** Throws when `actual` differs from the state's account or region. A null account (first run) passes. */
export function checkIdentity(
  store: Pick<StateReader, 'path' | 'accountId' | 'region'>,
  actual: { accountId: string; region: string },
): void {
  if (store.accountId !== null && store.accountId !== actual.accountId) {
    throw new StateError(
      'STATE_ACCOUNT_MISMATCH',
      `state file ${store.path} belongs to account ${store.accountId}, but the credentials are for account ${actual.accountId}`,
      {
        hint:
          `Use credentials for account ${store.accountId} (set AWS_PROFILE or aws.profile in the config), ` +
          'or point --state at the state file of this account.',
      },
    );
  }
  if (store.region !== actual.region) {
    throw new StateError(
      'STATE_REGION_MISMATCH',
      `state file ${store.path} is for region ${store.region}, but this run uses region ${actual.region}`,
      {
        hint:
          `Set "region" to "${store.region}" in the config (shipline uses the config's region, never AWS_REGION), ` +
          `or use another stack / --state for ${actual.region}.`,
      },
    );
  }
}
