/**
 * A protected route's guard: which schemes it accepts (any of them), which scopes it needs (all of
 * `scopes`, and one of `anyScopes`), whether the user must be active, and how OpenAPI states it.
 *
 * @module
 */
import type { CredentialSources } from './authorization-header.js';
import { BearerError } from './errors/auth-error.js';
import { callHook, runHook } from './lib/hooks.js';
import { andThen, type MaybePromise } from './lib/maybe-promise.js';
import type { Scheme, SecurityContext, Verified } from './schemes/scheme.js';
import type { AccessTokenClaims } from './tokens/tokens.js';

/** What a protected route requires. */
export interface Requirement<User = unknown> {
  /**
   * The schemes whose credentials the route accepts, any one of them: the first whose credentials
   * the request carries decides. Default: the engine's `bearer` (the password flow's tokens).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  schemes?: ReadonlyArray<Scheme<User, any>>;
  /** Scopes the credentials must hold, all of them. */
  scopes?: readonly string[];
  /** Scopes of which the credentials must hold at least one (on top of `scopes`). */
  anyScopes?: readonly string[];
  /** Refuse users that `isActive` says are inactive. Default `true`. */
  active?: boolean;
}

/** An authenticated request: who, by which scheme, holding which scopes. */
export interface Principal<User> {
  /** The user the scheme's verification returned (`resolveUser`'s for the engine's tokens). */
  user: User;
  /** The principal's stable identifier: the token's `sub`, a username, a machine client's name. */
  subject: string;
  /**
   * The verified claims of an access token; for a scheme without JWTs, `{ sub: subject }` with the
   * granted `scope`, so that `claims.sub` names the principal whatever the scheme.
   */
  claims: AccessTokenClaims;
  /** The scopes the credentials hold. */
  scopes: string[];
  /** The name of the scheme that admitted the request (its `components.securitySchemes` key). */
  scheme: string;
  /** The scopes the route requires: FastAPI's `SecurityScopes.scopes`. */
  securityScopes: readonly string[];
}

/** One OpenAPI security requirement object: scheme name → scopes. */
export type SecurityRequirement = Record<string, string[]>;

/** Runs a guard for a request: the principal, `null` (optional guard, no credentials), or a BearerError. */
export interface Guard<User> {
  /**
   * Authenticates a request: its principal, or `null` when `optional` and no scheme's credentials came.
   *
   * @throws {@link BearerError} with the refusing scheme's answer.
   */
  check(request: CredentialSources, optional: boolean): Promise<Principal<User> | null>;
  /** The route's OpenAPI `security`: one requirement object per scheme (and per any-of scope). */
  readonly security: SecurityRequirement[];
}

/** What a guard needs from its engine. */
export interface GuardEnvironment<User> {
  isActive: ((user: User) => boolean | Promise<boolean>) | undefined;
  hookTimeout: number;
  /**
   * Refuses a revoked token that `scheme` verified and found claims in (a JWT verified by a scheme of
   * its own): revocations hold on every route, whichever scheme verified the token.
   */
  refuseRevoked: <Credentials>(scheme: Scheme<User, Credentials>, credentials: Credentials, claims: AccessTokenClaims) => MaybePromise<void>;
}

/**
 * {@link Guard.check}, answered at once when every step could be (see `src/lib/maybe-promise.ts`); a
 * refusal decided at once is thrown at once.
 */
export type CheckNow<User> = (request: CredentialSources, optional: boolean) => MaybePromise<Principal<User> | null>;

/** A guard as the engine compiles it, before its refusals are made the engine's answers. @internal */
export interface CompiledGuard<User> {
  readonly security: SecurityRequirement[];
  readonly checkNow: CheckNow<User>;
}

// The engine's guards' `checkNow`, kept off the public object.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const immediate = new WeakMap<Guard<any>, CheckNow<any>>();

/** Makes `checkNow` what {@link checkNowOf} finds for `guard`, and returns `guard`. @internal */
export function withCheckNow<User>(guard: Guard<User>, checkNow: CheckNow<User>): Guard<User> {
  immediate.set(guard, checkNow);
  return guard;
}

/** A guard's {@link CheckNow}: the engine's own, or for any other guard its `check`. @internal */
export function checkNowOf<User>(guard: Guard<User>): CheckNow<User> {
  return immediate.get(guard) ?? ((request, optional) => guard.check(request, optional));
}

/** Builds a guard from a checked requirement. `schemes` must not be empty. */
export function compileGuard<User>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  schemes: ReadonlyArray<Scheme<User, any>>,
  requirement: Requirement<User>,
  env: GuardEnvironment<User>,
): CompiledGuard<User> {
  const allOf = [...(requirement.scopes ?? [])];
  const anyOf = [...(requirement.anyScopes ?? [])];
  const needed = [...new Set([...allOf, ...anyOf])];
  const active = requirement.active ?? true;
  const challenges = [...new Set(schemes.map((scheme) => scheme.challenge))];
  const context: SecurityContext = Object.freeze({ securityScopes: Object.freeze(needed) });
  const { isActive, hookTimeout, refuseRevoked } = env;
  const run = <T>(hook: () => T | Promise<T>): Promise<T> => callHook(hook, hookTimeout);

  const security = schemes.flatMap((scheme) =>
    !scheme.scoped ? [{ [scheme.name]: [] }] : anyOf.length === 0 ? [{ [scheme.name]: allOf }] : anyOf.map((one) => ({ [scheme.name]: [...allOf, one] })),
  );

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function admit(scheme: Scheme<User, any>, found: unknown, verified: Verified<User>): MaybePromise<Principal<User>> {
    const revoked = verified.claims === undefined ? undefined : refuseRevoked(scheme, found, verified.claims);
    return andThen(revoked, () => {
      const { user } = verified;
      if (!active || isActive === undefined) return principal(scheme, verified);
      return andThen(runHook(() => isActive(user), hookTimeout), (isActiveUser) => {
        if (!isActiveUser) throw new BearerError('ERR_INACTIVE_USER');
        return principal(scheme, verified);
      });
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function principal(scheme: Scheme<User, any>, verified: Verified<User>): Principal<User> {
    const { user, subject } = verified;
    const scopes = [...(verified.scopes ?? [])];
    if (needed.length > 0) {
      const held = new Set(scopes);
      if (!allOf.every((one) => held.has(one)) || (anyOf.length > 0 && !anyOf.some((one) => held.has(one)))) {
        throw new BearerError('ERR_INSUFFICIENT_SCOPE', { scopes: needed, challenges: [scheme.challenge] });
      }
    }
    const claims: AccessTokenClaims = verified.claims ?? (scopes.length > 0 ? { sub: subject, scope: scopes.join(' ') } : { sub: subject });
    return { user, subject, claims, scopes, scheme: scheme.name, securityScopes: context.securityScopes };
  }

  const checkNow: CheckNow<User> = (request, optional) => {
    let found: unknown;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let scheme: Scheme<User, any> | undefined;
    for (const candidate of schemes) {
      found = candidate.find(request);
      if (found !== undefined) {
        scheme = candidate;
        break;
      }
    }
    if (scheme === undefined) {
      if (optional) return null;
      throw new BearerError('ERR_NOT_AUTHENTICATED', { challenges });
    }
    const chosen = scheme;
    return andThen(chosen.verify(found, context, run), (verified) => admit(chosen, found, verified));
  };

  return { security, checkNow };
}
