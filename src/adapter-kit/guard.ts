// The guard runner shared by `requireAuth` and `optionalAuth` of every adapter:
// guard = principal | answer | rethrow.
import type { CredentialSources, Gatepass, Principal } from '../index.js';
import { handlerName, type Factory } from './names.js';
import { guardSettings, type AuthOptions } from './options.js';
import { settleNow, type BodyUnread, type Outcome } from './outcome.js';
import { checkNowOf } from '../guard.js';
import type { MaybePromise } from '../lib/maybe-promise.js';

export type GuardKind = Extract<Factory, 'requireAuth' | 'optionalAuth'>;

/** What a guard admits: a principal, or for `optionalAuth` also `null` (no credentials at all). */
export type Admitted<User, Kind extends GuardKind> = Kind extends 'optionalAuth' ? Principal<User> | null : Principal<User>;

export interface Guard<User, Kind extends GuardKind> {
  /** The name of the request handler the adapter returns: `gatepassRequireAuth` or `gatepassOptionalAuth`. */
  readonly name: string;
  /**
   * Authenticates a request from its credential sources: at once when the core answered at once (see
   * `src/lib/maybe-promise.ts`), else as a promise. `bodyUnread` is asked only for a refusal, when it
   * is answered.
   */
  run(sources: CredentialSources, bodyUnread: BodyUnread): MaybePromise<Outcome<Admitted<User, Kind>>>;
}

/**
 * A guard, its options checked at once (start-up): `adapter` names it in their errors
 * (`gatepass/express requireAuth: unknown option scope — did you mean scopes?`).
 */
export function createGuard<User, Kind extends GuardKind>(
  adapter: string,
  kind: Kind,
  auth: Gatepass<User>,
  options: AuthOptions<User>,
): Guard<User, Kind> {
  const { guard, forwardErrors } = guardSettings(`gatepass/${adapter} ${kind}`, auth, options);
  const optional = kind === 'optionalAuth';
  const checkNow = checkNowOf(guard);
  const authenticate = (sources: CredentialSources) => checkNow(sources, optional) as MaybePromise<Admitted<User, Kind>>;
  return {
    name: handlerName(kind),
    run: (sources, bodyUnread) => settleNow(() => authenticate(sources), forwardErrors, bodyUnread),
  };
}
