/**
 * The engine: one object that turns a request's plain parts into a user or a token response, or an
 * {@link AuthError} that carries the HTTP answer. Adapters call nothing else.
 *
 * @module
 */
import { findBearerToken, type CredentialSources, type TokenLocations } from './authorization-header.js';
import { AuthError, BearerError, TokenRequestError, type AuthErrorOptions } from './errors/auth-error.js';
import { asEndpointError, thrownBy } from './errors/endpoint.js';
import { openApiSecurity, type OpenApiOptions, type OpenApiSnippet } from './openapi.js';
import { FORM_LIMIT_NAMES, type FormLimits } from './grant/form-body.js';
import { parsePasswordForm, parseTokenRequest, type PasswordForm, type PasswordFormRequest } from './grant/password-grant.js';
import { createRefreshGrant, type RefreshTokenOptions } from './refresh/refresh-grant.js';
import { compileGuard, withCheckNow, type CheckNow, type Guard, type GuardEnvironment, type Principal, type Requirement, type SecurityRequirement } from './guard.js';
import { callHook, checkTimeout, hookFailure, runHook } from './lib/hooks.js';
import { andThen, orElse } from './lib/maybe-promise.js';
import { checkOptionNames, checkOptionsObject } from './lib/options.js';
import { checkSchemeName, type Scheme, type SecurityContext } from './schemes/scheme.js';
import { checkScopeNames, grantScopes, scopesOfClaims, type ScopeDescriptions } from './scopes.js';
import { buildTokens, TOKEN_OPTION_NAMES, type AccessTokenClaims, type TokenOptions, type Tokens } from './tokens/tokens.js';
import { tokenResponse, type TokenResponse } from './tokens/token-response.js';
import { createLoginThrottle, LOGIN_THROTTLE_NAMES, type LoginThrottleOptions, type LoginThrottleSettings } from './throttle/login-throttle.js';
import type { KeySet } from './tokens/key-set.js';
import type { JSONWebKeySet } from 'jose';

export type { Principal, Requirement, SecurityRequirement } from './guard.js';

/**
 * The user type the adapters put on requests (`req.user`, `ctx.state.user`, `request.user`). Empty
 * until the app augments it:
 *
 * @example
 * ```ts
 * declare module 'gatepass' {
 *   interface GatepassUser {
 *     username: string;
 *     disabled: boolean;
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GatepassUser {}

/** Who logged in, as `verifyCredentials` reports it. */
export interface Login {
  /** The token's `sub`: the user's stable identifier (FastAPI's tutorial uses the username). */
  subject: string;
  /** The scopes this user may hold; requested scopes outside it are not granted. Default: none. */
  scopes?: readonly string[];
  /** Extra claims for the token. */
  claims?: Readonly<Record<string, unknown>>;
}

/** Everything the engine needs from the app, plus the token settings. */
export interface GatepassOptions<User> extends TokenOptions {
  /** Declared scopes with their descriptions. A requested scope outside them is `invalid_scope`. */
  scopes?: ScopeDescriptions;
  /**
   * Checks a login at the token endpoint: the user for these credentials, or `null` when the username
   * or password is wrong (`invalid_grant`). Verify passwords with `verifyUser` from
   * `gatepass/password` so an unknown user costs what a wrong password costs. Throw a
   * {@link TokenRequestError} (e.g. `ERR_INVALID_CLIENT`) to refuse otherwise; any other exception, or
   * a result that is not a {@link Login}, becomes `ERR_HOOK_FAILED` (500), and no answer within
   * `hookTimeout` `ERR_HOOK_TIMEOUT` (503). See `onError` to log them.
   */
  verifyCredentials: (form: PasswordForm) => Login | null | undefined | Promise<Login | null | undefined>;
  /**
   * Loads the user a verified token names, or `null` when there is none (`invalid_token`). `context`
   * holds the route's required scopes (FastAPI's `SecurityScopes`). An exception becomes
   * `ERR_HOOK_FAILED` (500), no answer within `hookTimeout` `ERR_HOOK_TIMEOUT` (503): never a 401.
   */
  resolveUser: (claims: AccessTokenClaims, context: SecurityContext) => User | null | undefined | Promise<User | null | undefined>;
  /**
   * Whether a user is active. Routes requiring an active user answer others with 400 `Inactive user`.
   * An exception becomes `ERR_HOOK_FAILED` (500).
   */
  isActive?: (user: User) => boolean | Promise<boolean>;
  /** Places besides the `Authorization` header to read tokens from; off by default. */
  tokenLocations?: TokenLocations;
  /**
   * Where the token endpoint is, for OpenAPI's *Authorize* dialog. A relative URL resolves against
   * the document's URL. Default `'token'` (FastAPI's `OAuth2PasswordBearer(tokenUrl="token")`).
   */
  tokenUrl?: string;
  /** The {@link Gatepass.bearer} scheme's key in `components.securitySchemes`. Default `'OAuth2PasswordBearer'`. */
  schemeName?: string;
  /** Limits on token request bodies. */
  formLimits?: FormLimits;
  /**
   * Throttles logins at the token endpoint: after `maxFailures` failed logins for a username, or from
   * a client address, within `windowSeconds` (default 15 minutes), its next token requests are
   * answered 429 `ERR_TOO_MANY_ATTEMPTS` with `Retry-After`, before any password is hashed, whether
   * the user exists or not. An attempt counts from its start, so one address never has more logins in
   * flight than its limit; a success clears the username's count and gives the address its attempt
   * back. Counters live in memory, or in Redis with `redis` (a node-redis client). Off by default.
   *
   * @example
   * ```ts
   * loginThrottle: { maxFailures: 5 }, // 5 per username and per address in 15 minutes, in memory
   * ```
   */
  loginThrottle?: LoginThrottleOptions;
  /**
   * Refresh tokens (RFC 6749 §6), off by default: token responses also carry a `refresh_token`, and the
   * token endpoint answers `grant_type=refresh_token` with a new pair. Each refresh token is used once;
   * a reused one ends its whole login on every instance sharing the store; `POST /logout` ends the
   * login too. `true` keeps them in memory; give `{ store: createRedisRefreshTokenStore(redis) }` to
   * share them between instances.
   *
   * @example
   * ```ts
   * refreshTokens: { store: createRedisRefreshTokenStore(redis), idleLifetime: 7 * 86_400 },
   * ```
   */
  refreshTokens?: boolean | RefreshTokenOptions;
  /**
   * Called with every 5xx answer (a hook that threw or timed out, a full hashing queue), so that the
   * app can log it. `thrown` is what the hook threw (`undefined` for a timeout or a full queue): it is
   * handed over here and nowhere else, never as the error's `cause`, so that no logger or serializer
   * that walks `cause` chains prints the app's own data by accident. gatepass itself never logs, and
   * the client only ever sees the fixed answer. An exception thrown here is ignored.
   *
   * @example
   * ```ts
   * onError: (error, thrown) => logger.error({ code: error.code, status: error.status, err: thrown }),
   * ```
   */
  onError?: (error: AuthError, thrown: unknown) => void;
}

const OPTION_NAMES = {
  ...TOKEN_OPTION_NAMES,
  scopes: true,
  verifyCredentials: true,
  resolveUser: true,
  isActive: true,
  tokenLocations: true,
  tokenUrl: true,
  schemeName: true,
  formLimits: true,
  loginThrottle: true,
  refreshTokens: true,
  onError: true,
} as const satisfies Record<keyof GatepassOptions<unknown>, true>;

const TOKEN_LOCATION_NAMES = { cookie: true, query: true } as const satisfies Record<keyof TokenLocations, true>;

const HOOKS = {
  verifyCredentials: 'the function that checks a username and password at the token endpoint',
  resolveUser: "the function that loads the user a token's sub names",
} as const;

/** Checks the options a user wrote, naming them as written, before anything is built from them. */
function checkOptions(options: GatepassOptions<unknown>): void {
  const where = 'createGatepass';
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  for (const [name, meaning] of Object.entries(HOOKS)) {
    const hook = options[name as keyof typeof HOOKS];
    if (hook === undefined) throw new TypeError(`${where}: ${name} is missing — give ${meaning}`);
    if (typeof hook !== 'function') throw new TypeError(`${where}: ${name} must be a function`);
  }
  for (const name of ['isActive', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${where}: ${name} must be a function`);
  }
  for (const [name, known] of [
    ['formLimits', FORM_LIMIT_NAMES],
    ['loginThrottle', LOGIN_THROTTLE_NAMES],
    ['tokenLocations', TOKEN_LOCATION_NAMES],
  ] as const) {
    const nested = options[name];
    if (nested === undefined) continue;
    checkOptionsObject(`${where}: ${name}`, nested);
    checkOptionNames(`${where}: ${name}`, nested, known);
  }
}

/** How the token endpoint reads its request. */
export interface TokenEndpointOptions {
  /**
   * `'lenient'` (default): `grant_type` may be absent, and if present must be `password` (or
   * `refresh_token` with `refreshTokens`). `'strict'`: `grant_type` is required (RFC 6749 §4.3.2).
   * An absent `grant_type` is always the password grant.
   */
  grantType?: 'lenient' | 'strict';
}

/** A token request: the form, and the client's address for `loginThrottle`. */
export interface TokenRequest extends PasswordFormRequest {
  /**
   * The client's address, as the adapter or the app's `clientAddress` found it. Without one, only the
   * username's limit applies to the request.
   */
  clientAddress?: string | undefined;
}

/** The auth engine. Create one per app with {@link createGatepass}. */
export interface Gatepass<User> {
  /**
   * Authenticates a request to a protected route. Checks run in the order the contract fixes:
   * credentials (401) → active user (400) → scopes (403). A requirement object is checked the first
   * time it is seen, and its guard kept for the next call with the same object.
   *
   * @throws {@link BearerError}
   */
  authenticate(request: CredentialSources, requirement?: Requirement<User>): Promise<Principal<User>>;
  /**
   * Like {@link Gatepass.authenticate}, but a request without any credentials gets `null` instead of
   * a 401. Credentials that are present but bad are still refused.
   */
  authenticateOptional(request: CredentialSources, requirement?: Requirement<User>): Promise<Principal<User> | null>;
  /**
   * Checks a requirement once, at start-up, and returns its guard: adapters build one per route.
   * Registers the requirement's schemes for {@link Gatepass.openApi}.
   *
   * @param where - the function the app called, which errors name (default `'auth.guard'`).
   * @throws `TypeError` for no scheme, an undeclared scope, two schemes of one name, or two schemes
   * that read the same `Authorization` scheme (the second could never answer).
   */
  guard(requirement?: Requirement<User>, where?: string): Guard<User>;
  /**
   * The OpenAPI `security` of a route with this requirement: one requirement object per scheme it
   * accepts (alternatives), the scopes inside (all of them), one object per scope with `anyScopes`.
   *
   * @example
   * ```ts
   * const machineItems = { schemes: [auth.bearer, machineKey], scopes: ['items'] };
   * app.get('/machine/items/', requireAuth(auth, machineItems), listItems);
   * document.paths['/machine/items/'] = { get: { security: auth.security(machineItems), responses } };
   * // [{ OAuth2PasswordBearer: ['items'] }, { APIKeyHeader: [] }]
   * ```
   */
  security(requirement?: Requirement<User>): SecurityRequirement[];
  /**
   * The OAuth2 password flow's bearer tokens, as a scheme (FastAPI's `OAuth2PasswordBearer`): the
   * default of every guard, and one alternative among others in `schemes`.
   */
  readonly bearer: Scheme<User, string>;
  /**
   * Answers a token request: the password grant (checks the login and the scopes, and issues an
   * access token, with a refresh token when `refreshTokens` is on), or with `refreshTokens`, the
   * refresh token grant (a new pair for a refresh token, which is spent).
   *
   * @throws {@link TokenRequestError}
   */
  issueToken(request: TokenRequest, options?: TokenEndpointOptions): Promise<TokenResponse>;
  /** The login throttle's limits, or `undefined` when logins are not throttled. */
  readonly loginThrottle: LoginThrottleSettings | undefined;
  /**
   * Logs out: the request's bearer token is checked as on any protected route (an inactive user may
   * log out too), then its login ends (every access token of its `sid` and, with `refreshTokens`, its
   * refresh tokens) and the token is revoked until it expires, in the `revocations` store. A token
   * revoked already is logged out already: no error. Every adapter's `logoutEndpoint` answers 204.
   *
   * @throws {@link BearerError}: 401 for a missing or bad token, 503 when the store is unavailable.
   */
  logout(request: CredentialSources): Promise<void>;
  /** The token issuer and verifier, for minting tokens outside the token endpoint. */
  readonly tokens: Tokens;
  /** The signing and verification keys (`auth.tokens.keys`), for rotation at run time. */
  readonly keys: KeySet;
  /**
   * The JWKS document of the public keys (RFC 7517), for other services to verify this one's tokens:
   * each adapter's `jwksEndpoint` serves it. Secrets are never in it.
   *
   * @example
   * ```ts
   * auth.jwks(); // { keys: [{ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: '…', alg: 'ES256', use: 'sig' }] }
   * ```
   */
  jwks(): JSONWebKeySet;
  /** The declared scopes. */
  readonly scopes: ScopeDescriptions;
  /**
   * The OpenAPI snippet, with the declared scopes filled in; its `securitySchemes` also hold every
   * scheme a guard or {@link Gatepass.security} has used so far, so build the document after them.
   */
  openApi(options?: Omit<OpenApiOptions, 'scopes' | 'tokenUrl' | 'schemeName'> & { tokenUrl?: string }): OpenApiSnippet;
}

/**
 * Fails closed on a `Login` that is not one: a scope list given as a string would otherwise be
 * searched by substring, and a missing subject would throw from deep inside token issuing.
 */
function checkLogin(login: Login): void {
  const problem =
    typeof login !== 'object'
      ? 'a Login object or null'
      : typeof login.subject !== 'string' || login.subject === ''
        ? 'a non-empty string subject'
        : login.scopes !== undefined && (!Array.isArray(login.scopes) || !login.scopes.every((s) => typeof s === 'string'))
          ? 'scopes as an array of strings'
          : login.claims !== undefined && (typeof login.claims !== 'object' || login.claims === null || Array.isArray(login.claims))
            ? 'claims as an object'
            : undefined;
  if (problem !== undefined) throw hookFailure(new TypeError(`verifyCredentials must return ${problem}`));
}

/**
 * Creates the auth engine: FastAPI's security tutorial as one object.
 *
 * @throws `TypeError`/`RangeError` at creation for an unknown option name, a missing hook, or a
 * missing, short or mismatched key; the message names the option as written.
 *
 * @example
 * ```ts
 * import { createGatepass } from 'gatepass';
 * import { createPasswordHasher } from 'gatepass/password';
 *
 * const passwords = createPasswordHasher();
 * const users = new Map([['johndoe', { username: 'johndoe', hash: await passwords.hash('secret'), disabled: false }]]);
 *
 * const auth = createGatepass({
 *   secret: process.env.GATEPASS_SECRET!,
 *   scopes: { me: 'Read information about the current user.' },
 *   async verifyCredentials({ username, password }) {
 *     const user = users.get(username);
 *     if (!(await passwords.verifyUser(user?.hash, password))) return null;
 *     return { subject: username, scopes: ['me'] };
 *   },
 *   resolveUser: (claims) => users.get(claims.sub),
 *   isActive: (user) => !user.disabled,
 * });
 *
 * const { user } = await auth.authenticate({ authorization: 'Bearer eyJ…' }, { scopes: ['me'] });
 * ```
 */
export function createGatepass<User>(options: GatepassOptions<User>): Gatepass<User> {
  checkOptions(options as GatepassOptions<unknown>);
  const { verifyCredentials, resolveUser, isActive, tokenLocations, formLimits, onError } = options;
  const declared: ScopeDescriptions = Object.freeze({ ...options.scopes });
  checkScopeNames(Object.keys(declared), 'createGatepass: scopes');
  const { tokens, verifyNow } = buildTokens(options, 'createGatepass');
  const hookTimeout = checkTimeout(options.hookTimeout ?? 10_000, 'createGatepass');
  const throttle =
    options.loginThrottle === undefined ? undefined : createLoginThrottle(options.loginThrottle, 'createGatepass: loginThrottle', hookTimeout);
  if (options.refreshTokens !== undefined && typeof options.refreshTokens !== 'boolean' && (typeof options.refreshTokens !== 'object' || options.refreshTokens === null)) {
    throw new TypeError('createGatepass: refreshTokens must be true, false or an object of options');
  }
  const refresh =
    options.refreshTokens === undefined || options.refreshTokens === false
      ? undefined
      : createRefreshGrant(options.refreshTokens, { tokens, hookTimeout, resolveUser, isActive }, 'createGatepass: refreshTokens');

  /** The error as its endpoint answers it, reported to `onError` when it is the server's fault. */
  function answer<T extends AuthError>(err: unknown, Kind: new (code: never, options?: AuthErrorOptions) => T): unknown {
    if (!(err instanceof AuthError)) return err;
    const endpointError = asEndpointError(err, Kind);
    if (endpointError.status >= 500 && onError !== undefined) {
      try {
        onError(endpointError, thrownBy.get(endpointError));
      } catch {
        // A failing logger must not change the answer.
      }
    }
    return endpointError;
  }

  const tokenUrl = options.tokenUrl ?? 'token';
  const bearerName = options.schemeName ?? 'OAuth2PasswordBearer';
  if (typeof tokenUrl !== 'string' || tokenUrl === '') throw new TypeError('createGatepass: tokenUrl must be a non-empty URL');
  checkSchemeName('createGatepass', bearerName);

  const bearer: Scheme<User, string> = {
    name: bearerName,
    challenge: 'Bearer',
    scoped: true,
    find: (request) => findBearerToken(request, tokenLocations),
    // At once when the token and resolveUser answer at once: see src/lib/maybe-promise.ts.
    verify: (token, context) =>
      andThen(verifyNow(token), (claims) =>
        andThen(runHook(() => resolveUser(claims, context), hookTimeout), (user) => {
          if (user === null || user === undefined) throw new BearerError('ERR_UNKNOWN_SUBJECT');
          return { subject: claims.sub, user, scopes: scopesOfClaims(claims), claims };
        }),
      ),
    openApi: () => ({
      type: 'oauth2',
      flows: { password: { tokenUrl, ...(refresh === undefined ? {} : { refreshUrl: tokenUrl }), scopes: { ...declared } } },
    }),
  };

  /** Every scheme a guard has used, by name: what OpenAPI's `components.securitySchemes` lists. */
  const known = new Map<string, Scheme<User, unknown>>([[bearer.name, bearer]]);
  const environment: GuardEnvironment<User> = {
    isActive,
    hookTimeout,
    // The engine's own tokens were checked by tokens.verify already; a token is a string, whatever verified it.
    refuseRevoked: (scheme, credentials, claims) =>
      scheme !== bearer && typeof credentials === 'string' ? tokens.refuseRevoked(credentials, claims) : undefined,
  };
  // Guards built for requirement objects passed to authenticate(), so each is checked once.
  const compiled = new WeakMap<Requirement<User>, Guard<User>>();
  const defaultGuard = guard({});
  const logoutGuard = guard({ active: false }, 'auth.logout');

  function guard(requirement: Requirement<User>, where = 'auth.guard'): Guard<User> {
    const schemes = requirement.schemes ?? [bearer];
    if (!Array.isArray(schemes) || schemes.length === 0) throw new TypeError(`${where}: schemes must list at least one scheme`);
    for (const scheme of schemes) {
      if (typeof scheme?.find !== 'function' || typeof scheme.verify !== 'function') {
        throw new TypeError(`${where}: schemes must be schemes (auth.bearer, apiKey(), httpBasic(), httpBearer(), openIdConnect())`);
      }
      const same = known.get(scheme.name);
      if (same !== undefined && same !== scheme) throw new TypeError(`${where}: two different schemes are named ${scheme.name}; give one a schemeName`);
    }
    // Two schemes that read the same auth-scheme of the Authorization header (two bearer schemes, two
    // Basic ones): the first would take every request, and the second never be tried.
    const headerSchemes = schemes.map((scheme) => /^(bearer|basic)(?: |$)/i.exec(scheme.challenge)?.[1]?.toLowerCase()).filter(Boolean);
    if (new Set(headerSchemes).size !== headerSchemes.length) {
      throw new TypeError(`${where}: two schemes read the same Authorization scheme; only the first would ever be tried`);
    }
    for (const name of ['scopes', 'anyScopes'] as const) {
      const listed = requirement[name];
      if (listed === undefined) continue;
      const undeclared = listed.filter((scope) => !Object.hasOwn(declared, scope));
      if (undeclared.length > 0) throw new TypeError(`${where}: scopes not declared in createGatepass(): ${undeclared.join(', ')}`);
    }
    for (const scheme of schemes) known.set(scheme.name, scheme);
    const compiledGuard = compileGuard(schemes, requirement, environment);
    const refused = (err: unknown): never => {
      throw answer(err, BearerError);
    };
    const checkNow: CheckNow<User> = (request, optional) => orElse(() => compiledGuard.checkNow(request, optional), refused);
    return withCheckNow(
      {
        security: compiledGuard.security,
        async check(request, optional) {
          return checkNow(request, optional);
        },
      },
      checkNow,
    );
  }

  function guardFor(requirement: Requirement<User> | undefined): Guard<User> {
    if (requirement === undefined) return defaultGuard;
    let found = compiled.get(requirement);
    if (found === undefined) compiled.set(requirement, (found = guard(requirement)));
    return found;
  }

  return {
    tokens,
    keys: tokens.keys,
    jwks: () => tokens.keys.jwks(),
    scopes: declared,
    bearer,
    loginThrottle: throttle?.settings,
    guard: (requirement = {}, where) => guard(requirement, where),
    security: (requirement) => guardFor(requirement).security,

    async authenticate(request, requirement) {
      return (await guardFor(requirement).check(request, false)) as Principal<User>;
    },

    authenticateOptional(request, requirement) {
      return guardFor(requirement).check(request, true);
    },

    async logout(request) {
      let principal: Principal<User>;
      try {
        principal = (await logoutGuard.check(request, false)) as Principal<User>;
      } catch (err) {
        // Logged out already (a retry after a failure, or a second tab): nothing left to do.
        if (err instanceof AuthError && err.code === 'ERR_TOKEN_REVOKED') return;
        throw err;
      }
      try {
        const sid = principal.claims?.sid;
        // The login first (its other access tokens, its refresh tokens), the token itself last: if a
        // store fails midway, the retry finds what is left to do rather than a token already refused.
        if (typeof sid === 'string' && principal.claims?.iss === options.issuer) await (refresh === undefined ? tokens.revokeSession(sid) : refresh.end(sid));
        await tokens.revoke(findBearerToken(request, tokenLocations)!);
      } catch (err) {
        throw answer(err, BearerError);
      }
    },

    async issueToken(request, endpoint = {}) {
      try {
        const grantType = endpoint.grantType ?? 'lenient';
        const readOptions = formLimits === undefined ? { grantType } : { grantType, limits: formLimits };
        const form = refresh === undefined ? await parsePasswordForm(request, readOptions) : await parseTokenRequest(request, readOptions);
        if (form.grantType === 'refresh_token') {
          if (form.scopes !== undefined) grantScopes(form.scopes, declared);
          const { issued, refreshToken, requested } = await refresh!.refresh(form);
          return tokenResponse(issued, requested, refreshToken);
        }
        // Undeclared scopes are refused before any password work.
        grantScopes(form.scopes, declared);
        // A throttled request is refused here, before any password is hashed.
        const check = () => callHook(() => verifyCredentials(form), hookTimeout);
        const login = await (throttle === undefined ? check() : throttle.run(form.username, request.clientAddress, check));
        if (login === null || login === undefined) throw new TokenRequestError('ERR_INVALID_GRANT');
        checkLogin(login);
        const granted = grantScopes(form.scopes, declared, login.scopes ?? []);
        if (refresh !== undefined) {
          const { issued, refreshToken } = await refresh.start({ subject: login.subject, scopes: granted, claims: login.claims, clientId: form.clientId });
          return tokenResponse(issued, form.scopes, refreshToken);
        }
        const issued = await tokens.issue(
          login.subject,
          login.claims === undefined ? { scopes: granted } : { scopes: granted, claims: login.claims },
        );
        return tokenResponse(issued, form.scopes);
      } catch (err) {
        throw answer(err, TokenRequestError);
      }
    },

    openApi(snippet = {}) {
      const refreshUrl = refresh === undefined ? {} : { refreshUrl: snippet.refreshUrl ?? snippet.tokenUrl ?? tokenUrl };
      const base = openApiSecurity({ ...snippet, ...refreshUrl, tokenUrl: snippet.tokenUrl ?? tokenUrl, schemeName: bearer.name, scopes: declared });
      const version = snippet.version ?? '3.1';
      const securitySchemes = { ...base.securitySchemes };
      for (const [name, scheme] of known) if (scheme !== bearer) securitySchemes[name] = scheme.openApi(version);
      return { ...base, securitySchemes };
    },
  };
}
