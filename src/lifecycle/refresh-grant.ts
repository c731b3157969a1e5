/**
 * The refresh token grant (RFC 6749 §6) as OAuth 2.1 and RFC 9700 §4.14.2 shape it: a refresh token
 * is opaque, stored only as its digest, and used once; each use hands out a new one (rotation); a token
 * used twice ends its whole login (its family), refresh tokens and access tokens alike, on every
 * instance sharing the store. A refresh may narrow the login's scopes, never widen them; a user that
 * is gone or inactive cannot refresh; the login ends after an idle and an absolute lifetime.
 *
 * @module
 */
import type { SecurityContext } from '../schemes/scheme.js';
import { TokenRequestError } from '../errors/auth-error.js';
import { base64url } from '../lib/base64url.js';
import { callHook, callStore } from '../lib/hooks.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import type { RefreshForm } from '../grant/password-grant.js';
import type { AccessTokenClaims, IssuedToken, Tokens } from '../tokens/tokens.js';
import { createMemoryRefreshTokenStore, type RefreshFamily, type RefreshTokenStore } from './refresh-token-store.js';
import { sha256 } from './token-id.js';

/** Options of `refreshTokens` (see `createGatepass`). */
export interface RefreshTokenOptions {
  /** Where refresh tokens are kept. Default: this process's memory ({@link createMemoryRefreshTokenStore}). */
  store?: RefreshTokenStore;
  /** Seconds a refresh token may lie unused before it expires. Default 1209600 (14 days). */
  idleLifetime?: number;
  /** Seconds after the login when its refresh tokens stop working, however often they were used. Default 2592000 (30 days). */
  absoluteLifetime?: number;
}

/** Every {@link RefreshTokenOptions} name. */
export const REFRESH_TOKEN_OPTION_NAMES = { store: true, idleLifetime: true, absoluteLifetime: true } as const satisfies Record<
  keyof RefreshTokenOptions,
  true
>;

/** What a grant needs of the engine. */
export interface RefreshGrantContext<User> {
  readonly tokens: Tokens;
  readonly hookTimeout: number;
  readonly resolveUser: (claims: AccessTokenClaims, context: SecurityContext) => User | null | undefined | Promise<User | null | undefined>;
  readonly isActive: ((user: User) => boolean | Promise<boolean>) | undefined;
}

/** A login as the token endpoint granted it. */
export interface GrantedLogin {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The refresh token side of the token endpoint. */
export interface RefreshGrant {
  /** Starts a login's family: its first access token (carrying the family as `sid`) and refresh token. */
  start(login: GrantedLogin): Promise<{ issued: IssuedToken; refreshToken: string }>;
  /**
   * Answers `grant_type=refresh_token`: a new access token and a new refresh token.
   *
   * @throws {@link TokenRequestError} `ERR_INVALID_REFRESH_TOKEN` for an unknown, expired, used or
   * ended token, or a user that is gone or inactive; `ERR_INVALID_SCOPE` for a scope the login lacks.
   */
  refresh(form: RefreshForm): Promise<{ issued: IssuedToken; refreshToken: string; requested: readonly string[] }>;
  /** Ends a login: its refresh tokens and its access tokens are refused from now on. */
  end(session: string): Promise<void>;
}

const DAY = 86_400;

/** Checks the options at start-up and makes the grant. */
export function createRefreshGrant<User>(options: true | RefreshTokenOptions, context: RefreshGrantContext<User>, where: string): RefreshGrant {
  const settings = options === true ? {} : options;
  checkOptionsObject(where, settings);
  checkOptionNames(where, settings, REFRESH_TOKEN_OPTION_NAMES);
  const idleLifetime = settings.idleLifetime ?? 14 * DAY;
  const absoluteLifetime = settings.absoluteLifetime ?? 30 * DAY;
  for (const [name, value] of [
    ['idleLifetime', idleLifetime],
    ['absoluteLifetime', absoluteLifetime],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${where}: ${name} must be a positive whole number of seconds`);
  }
  const store = settings.store ?? createMemoryRefreshTokenStore();
  if (typeof store?.save !== 'function' || typeof store.find !== 'function' || typeof store.claim !== 'function' || typeof store.endFamily !== 'function') {
    throw new TypeError(`${where}: store must be a refresh token store (createMemoryRefreshTokenStore(), createRedisRefreshTokenStore())`);
  }
  const { tokens, hookTimeout } = context;
  const onStore = <T>(operation: () => Promise<T>) => callStore(operation, hookTimeout);

  /** A fresh refresh token of `family`, kept as its digest until it idles out or the login ends. */
  async function handOut(family: RefreshFamily): Promise<string> {
    const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const expiresAt = Math.min(Math.floor(Date.now() / 1000) + idleLifetime, family.expiresAt);
    const digest = await sha256(token);
    await onStore(() => store.save(family, digest, expiresAt));
    return token;
  }

  const issue = (family: RefreshFamily, scopes: readonly string[]) =>
    tokens.issue(family.subject, { scopes, session: family.id, ...(family.claims === undefined ? {} : { claims: family.claims }) });

  async function end(session: string): Promise<void> {
    await onStore(() => store.endFamily(session));
    await tokens.revokeSession(session);
  }

  return {
    async start(login) {
      const family: RefreshFamily = {
        id: crypto.randomUUID(),
        subject: login.subject,
        scopes: [...login.scopes],
        ...(login.claims === undefined ? {} : { claims: login.claims }),
        expiresAt: Math.floor(Date.now() / 1000) + absoluteLifetime,
      };
      const issued = await issue(family, family.scopes);
      return { issued, refreshToken: await handOut(family) };
    },

    async refresh(form) {
      const digest = await sha256(form.refreshToken);
      const family = await onStore(() => store.find(digest));
      if (family === undefined) throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
      const user = await callHook(() => context.resolveUser({ sub: family.subject }, { securityScopes: [] }), hookTimeout);
      const active = user !== null && user !== undefined && (context.isActive === undefined || (await callHook(() => context.isActive!(user), hookTimeout)));
      if (!active) throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
      const requested = form.scopes ?? family.scopes;
      if (requested.some((scope) => !family.scopes.includes(scope))) throw new TokenRequestError('ERR_INVALID_SCOPE');
      // The successor is saved before the token is spent: a store failure in between (a 503) leaves the
      // token usable for a retry, and the unsent successor is known to nobody.
      const refreshToken = await handOut(family);
      if (!(await onStore(() => store.claim(digest)))) {
        // Used before: someone holds a copy. The login ends for everyone, its rightful owner included.
        await end(family.id);
        throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
      }
      const issued = await issue(family, requested);
      return { issued, refreshToken, requested };
    },

    end,
  };
}
