/**
 * The engine: one object that turns a request's plain parts into a user or a token response, or an
 * {@link AuthError} that carries the HTTP answer. Adapters call nothing else.
 *
 * @module
 */
import { findBearerToken, type CredentialSources, type TokenLocations } from './authorization-header.js';
import { AuthError, BearerError, TokenRequestError, asEndpointError, thrownBy, type AuthErrorCode, type AuthErrorOptions } from './errors.js';
import { openApiSecurity, type OpenApiOptions, type OpenApiSnippet } from './openapi.js';
import { FORM_LIMIT_NAMES, parsePasswordForm, type FormLimits, type PasswordForm, type PasswordFormRequest } from './password-form.js';
import { callHook, checkTimeout, hookFailure } from './lib/hooks.js';
import { checkOptionNames, checkOptionsObject } from './lib/options.js';
import { checkScopeNames, grantScopes, requireScopes, type ScopeDescriptions } from './scopes.js';
import { buildTokens, tokenResponse, TOKEN_OPTION_NAMES, type AccessTokenClaims, type TokenOptions, type TokenResponse, type Tokens } from './token.js';

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
   * Loads the user a verified token names, or `null` when there is none (`invalid_token`). An
   * exception becomes `ERR_HOOK_FAILED` (500), no answer within `hookTimeout` `ERR_HOOK_TIMEOUT` (503):
   * never a 401.
   */
  resolveUser: (claims: AccessTokenClaims) => User | null | undefined | Promise<User | null | undefined>;
  /**
   * Whether a user is active. Routes requiring an active user answer others with 400 `Inactive user`.
   * An exception becomes `ERR_HOOK_FAILED` (500).
   */
  isActive?: (user: User) => boolean | Promise<boolean>;
  /** Places besides the `Authorization` header to read tokens from; off by default. */
  tokenLocations?: TokenLocations;
  /** Limits on token request bodies. */
  formLimits?: FormLimits;
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
  formLimits: true,
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
    ['tokenLocations', TOKEN_LOCATION_NAMES],
  ] as const) {
    const nested = options[name];
    if (nested === undefined) continue;
    checkOptionsObject(`${where}: ${name}`, nested);
    checkOptionNames(`${where}: ${name}`, nested, known);
  }
}

/** What a protected route requires. */
export interface Requirement {
  /** Scopes the token must hold, all of them. */
  scopes?: readonly string[];
  /** Refuse users that `isActive` says are inactive. Default `true`. */
  active?: boolean;
}

/** An authenticated request: the user, the token's claims and its scopes. */
export interface Principal<User> {
  /** The user `resolveUser` returned for the token's `sub`. */
  user: User;
  /** The verified claims of the access token. */
  claims: AccessTokenClaims;
  /** The token's scopes, split from its `scope` claim. */
  scopes: string[];
}

/** How the token endpoint reads its request. */
export interface TokenEndpointOptions {
  /**
   * `'lenient'` (default): `grant_type` may be absent, and if present must be `password`.
   * `'strict'`: `grant_type=password` is required (RFC 6749 §4.3.2).
   */
  grantType?: 'lenient' | 'strict';
}

/** The auth engine. Create one per app with {@link createGatepass}. */
export interface Gatepass<User> {
  /**
   * Authenticates a request to a protected route. Checks run in the order the contract fixes:
   * credentials (401) → active user (400) → scopes (403).
   *
   * @throws {@link BearerError}
   */
  authenticate(request: CredentialSources, requirement?: Requirement): Promise<Principal<User>>;
  /**
   * Like {@link Gatepass.authenticate}, but a request without any credentials gets `null` instead of
   * a 401. Credentials that are present but bad are still refused.
   */
  authenticateOptional(request: CredentialSources, requirement?: Requirement): Promise<Principal<User> | null>;
  /**
   * Answers a token request: parses the password grant, checks the login and the scopes, and issues
   * a token.
   *
   * @throws {@link TokenRequestError}
   */
  issueToken(request: PasswordFormRequest, options?: TokenEndpointOptions): Promise<TokenResponse>;
  /** The token issuer and verifier, for minting tokens outside the token endpoint. */
  readonly tokens: Tokens;
  /** The declared scopes. */
  readonly scopes: ScopeDescriptions;
  /** The OpenAPI snippet, with the declared scopes filled in. */
  openApi(options: Omit<OpenApiOptions, 'scopes'>): OpenApiSnippet;
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
  const tokens = buildTokens(options, 'createGatepass');
  const hookTimeout = checkTimeout(options.hookTimeout ?? 10_000, 'createGatepass');

  /** The error as its endpoint answers it, reported to `onError` when it is the server's fault. */
  function answer<T extends AuthError>(err: unknown, Kind: new (code: AuthErrorCode, options?: AuthErrorOptions) => T): unknown {
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

  async function check(request: CredentialSources, requirement: Requirement, optional: boolean): Promise<Principal<User> | null> {
    try {
      const token = findBearerToken(request, tokenLocations);
      if (token === undefined) {
        if (optional) return null;
        throw new BearerError('ERR_NOT_AUTHENTICATED');
      }
      const claims = await tokens.verify(token);
      const user = await callHook(() => resolveUser(claims), hookTimeout);
      if (user === null || user === undefined) throw new BearerError('ERR_UNKNOWN_SUBJECT');
      if ((requirement.active ?? true) && isActive !== undefined && !(await callHook(() => isActive(user), hookTimeout))) {
        throw new BearerError('ERR_INACTIVE_USER');
      }
      const scopes = claims.scope === undefined ? [] : claims.scope.split(' ').filter(Boolean);
      if (requirement.scopes !== undefined) requireScopes(scopes, requirement.scopes);
      return { user, claims, scopes };
    } catch (err) {
      throw answer(err, BearerError);
    }
  }

  return {
    tokens,
    scopes: declared,

    async authenticate(request, requirement = {}) {
      return (await check(request, requirement, false)) as Principal<User>;
    },

    authenticateOptional(request, requirement = {}) {
      return check(request, requirement, true);
    },

    async issueToken(request, endpoint = {}) {
      try {
        const grantType = endpoint.grantType ?? 'lenient';
        const form = await parsePasswordForm(request, formLimits === undefined ? { grantType } : { grantType, limits: formLimits });
        // Undeclared scopes are refused before any password work.
        grantScopes(form.scopes, declared);
        const login = await callHook(() => verifyCredentials(form), hookTimeout);
        if (login === null || login === undefined) throw new TokenRequestError('ERR_INVALID_GRANT');
        checkLogin(login);
        const granted = grantScopes(form.scopes, declared, login.scopes ?? []);
        const issued = await tokens.issue(
          login.subject,
          login.claims === undefined ? { scopes: granted } : { scopes: granted, claims: login.claims },
        );
        return tokenResponse(issued, form.scopes);
      } catch (err) {
        throw answer(err, TokenRequestError);
      }
    },

    openApi: (snippet) => openApiSecurity({ ...snippet, scopes: declared }),
  };
}
