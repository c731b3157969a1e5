/**
 * What every security scheme is: where its credentials are in a request, how they are verified, the
 * challenge that asks for them, and how OpenAPI describes it. FastAPI's `fastapi.security` classes
 * map one to one: `OAuth2PasswordBearer` → the engine's `bearer`, `HTTPBearer` → {@link httpBearer},
 * `APIKeyHeader/Query/Cookie` → {@link apiKey}, `HTTPBasic` → {@link httpBasic}, `OpenIdConnect` →
 * {@link openIdConnect}.
 *
 * @module
 */
import type { CredentialSources } from '../authorization-header.js';
import { hookFailure } from '../lib/hooks.js';
import type { OpenApiObject } from '../openapi.js';
import type { AccessTokenClaims } from '../tokens/tokens.js';

/** What a scheme's verification admits: who, as the app's user, holding which scopes. */
export interface Verified<User> {
  /** A stable identifier of the principal: a JWT's `sub`, a username, a machine client's name. */
  subject: string;
  /** The app's user (or machine client) that the credentials stand for. */
  user: User;
  /** The scopes these credentials hold. Default: none. */
  scopes?: readonly string[];
  /** The verified claims, for schemes whose credentials are JWTs. */
  claims?: AccessTokenClaims;
}

/** What verification hooks learn about the route: FastAPI's `SecurityScopes`. */
export interface SecurityContext {
  /** The scopes the route requires (all of them, or any one with `anyScopes`). */
  readonly securityScopes: readonly string[];
}

/** Calls an app hook under the engine's deadline and failure rules. */
export type HookRunner = <T>(hook: () => T | Promise<T>) => Promise<T>;

/** The OpenAPI versions gatepass writes. */
export type OpenApiVersion = '3.1' | '3.0';

/**
 * A security scheme. Create one with {@link httpBearer}, {@link apiKey}, {@link httpBasic} or
 * {@link openIdConnect}, or use the engine's `bearer` (the OAuth2 password flow's tokens), and give
 * one or several to a guard (`requireAuth(auth, { schemes: [auth.bearer, apiKeyScheme] })`).
 */
export interface Scheme<User, Credentials = unknown> {
  /** The scheme's key in OpenAPI's `components.securitySchemes` (FastAPI's class name by default). */
  readonly name: string;
  /** The `WWW-Authenticate` challenge that asks for these credentials: `Bearer`, `Basic realm="…"`, `APIKey`. */
  readonly challenge: string;
  /**
   * The credentials of a request, or `undefined` when it carries none for this scheme.
   *
   * @throws {@link BearerError} `ERR_REPEATED_CREDENTIALS` / `ERR_BEARER_INVALID_REQUEST` (400) when
   * they come more than once; a malformed value is refused with this scheme's 401.
   */
  find(request: CredentialSources): Credentials | undefined;
  /**
   * Verifies found credentials. `run` calls an app hook under the engine's `hookTimeout`, turning
   * what it throws into `ERR_HOOK_FAILED` (500) and no answer in time into `ERR_HOOK_TIMEOUT` (503).
   * A scheme that knows the answer at once may return it (or throw) at once, without a promise.
   *
   * @throws {@link BearerError} with this scheme's 401 when they are refused.
   */
  verify(credentials: Credentials, context: SecurityContext, run: HookRunner): Verified<User> | Promise<Verified<User>>;
  /** The security scheme object for `components.securitySchemes`. */
  openApi(version: OpenApiVersion): OpenApiObject;
  /** Whether OpenAPI lists the required scopes in this scheme's requirement (oauth2, openIdConnect). */
  readonly scoped: boolean;
}

/** An app's verification hook: the principal for these credentials, or `null` to refuse them. */
export type VerifyHook<User, Credentials> = (
  credentials: Credentials,
  context: SecurityContext,
) => Verified<User> | null | undefined | Promise<Verified<User> | null | undefined>;

/**
 * Runs an app's verification hook: `null` is the scheme's own refusal; a result that is not a
 * {@link Verified} fails closed (a scope list given as a string would be searched by substring).
 *
 * @internal
 */
export async function runVerify<User, Credentials>(
  hook: VerifyHook<User, Credentials>,
  credentials: Credentials,
  context: SecurityContext,
  run: HookRunner,
  refuse: () => Error,
): Promise<Verified<User>> {
  const result = await run(() => hook(credentials, context));
  if (result === null || result === undefined) throw refuse();
  const problem =
    typeof result !== 'object'
      ? 'a Verified object or null'
      : typeof result.subject !== 'string' || result.subject === ''
        ? 'a non-empty string subject'
        : result.user === null || result.user === undefined
          ? 'a user'
          : result.scopes !== undefined && (!Array.isArray(result.scopes) || !result.scopes.every((s) => typeof s === 'string'))
            ? 'scopes as an array of strings'
            : undefined;
  if (problem !== undefined) throw hookFailure(new TypeError(`a verify hook must return ${problem}`));
  return result;
}

/**
 * Checks a `schemeName` at setup: OpenAPI's component names are `^[a-zA-Z0-9._-]+$`.
 *
 * @internal
 */
export function checkSchemeName(where: string, schemeName: unknown): void {
  if (typeof schemeName !== 'string' || !/^[A-Za-z0-9._-]+$/.test(schemeName)) {
    throw new TypeError(`${where}: schemeName must be letters, digits, '.', '_' or '-'`);
  }
}

/**
 * Checks a scheme factory's `schemeName` and `verify` options at setup.
 *
 * @internal
 */
export function checkSchemeOptions(where: string, schemeName: unknown, verify: unknown): void {
  checkSchemeName(where, schemeName);
  if (typeof verify !== 'function') throw new TypeError(`${where}: verify is missing — give the function that checks the credentials`);
}

/**
 * A scheme's `maxLength` option, checked at setup, or its default.
 *
 * @internal
 */
export function maxLengthOf(where: string, given: number | undefined, fallback: number): number {
  const maxLength = given ?? fallback;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`${where}: maxLength must be a positive whole number`);
  return maxLength;
}
