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
import { createMemoryRefreshTokenStore, type RefreshFamily, type RefreshTokenEntry, type RefreshTokenStore } from './refresh-token-store.js';
import { sha256 } from '../lib/sha256.js';

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
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
  /** The `client_id` the token request named, if any: only that client may refresh. */
  readonly clientId?: string | undefined;
}

/** The refresh token side of the token endpoint. */
export interface RefreshGrant {
  /** Starts a login's family: its first access token (carrying the family as `sid`) and refresh token. */
  start(login: GrantedLogin): Promise<{ issued: IssuedToken; refreshToken: string }>;
  /**
   * Answers `grant_type=refresh_token`: a new access token and a new refresh token.
   *
   * @throws {@link TokenRequestError} `ERR_INVALID_REFRESH_TOKEN` for an unknown, expired, used or
   * ended token, one granted to another client, or a user that is gone or inactive;
   * `ERR_INVALID_SCOPE` for a scope the login lacks.
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
  if (typeof store?.start !== 'function' || typeof store.find !== 'function' || typeof store.rotate !== 'function' || typeof store.endFamily !== 'function') {
    throw new TypeError(`${where}: store must be a refresh token store (createMemoryRefreshTokenStore(), createRedisRefreshTokenStore())`);
  }
  const { tokens, hookTimeout } = context;
  const onStore = <T>(operation: () => Promise<T>) => callStore(operation, hookTimeout);

  /** A fresh refresh token of `family`: the token, and its digest that the store keeps until it idles out or the login ends. */
  async function newToken(family: RefreshFamily): Promise<{ token: string; entry: RefreshTokenEntry }> {
    const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const expiresAt = Math.min(Math.floor(Date.now() / 1000) + idleLifetime, family.expiresAt);
    return { token, entry: { digest: await sha256(token), expiresAt } };
  }

  const issue = (family: RefreshFamily, scopes: readonly string[]) =>
    tokens.issue(family.subject, { scopes, session: family.id, ...(family.claims === undefined ? {} : { claims: family.claims }) });

  /**
   * Ends a login. Its access tokens are refused first (the session revoked), which alone already
   * stops it: a login whose session is revoked cannot refresh either. Then its refresh tokens go.
   */
  async function end(session: string): Promise<void> {
    await tokens.revokeSession(session);
    await onStore(() => store.endFamily(session));
  }

  /** Refuses the token; with `ending`, ends its login first (a copy was used, or its session is revoked). */
  async function refuse(family: RefreshFamily, ending: boolean): Promise<never> {
    if (ending) await end(family.id);
    throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
  }

  return {
    async start(login) {
      const family: RefreshFamily = {
        id: crypto.randomUUID(),
        subject: login.subject,
        scopes: [...login.scopes],
        ...(login.claims === undefined ? {} : { claims: login.claims }),
        ...(login.clientId === undefined ? {} : { clientId: login.clientId }),
        expiresAt: Math.floor(Date.now() / 1000) + absoluteLifetime,
      };
      const issued = await issue(family, family.scopes);
      const { token, entry } = await newToken(family);
      await onStore(() => store.start(family, entry));
      return { issued, refreshToken: token };
    },

    async refresh(form) {
      const digest = await sha256(form.refreshToken);
      const family = await onStore(() => store.find(digest));
      if (family === undefined) throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
      // RFC 6749 §6: the token was issued to this client. Another client holding it is not its owner.
      if (family.clientId !== undefined && family.clientId !== form.clientId) throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
      // A login ended through its session (a logout whose last step failed) is over here too.
      if (await tokens.isSessionRevoked(family.id)) return refuse(family, true);
      const claims: AccessTokenClaims = {
        ...family.claims,
        sub: family.subject,
        sid: family.id,
        ...(family.scopes.length === 0 ? {} : { scope: family.scopes.join(' ') }),
      };
      const user = await callHook(() => context.resolveUser(claims, { securityScopes: [] }), hookTimeout);
      const active = user !== null && user !== undefined && (context.isActive === undefined || (await callHook(() => context.isActive!(user), hookTimeout)));
      if (!active) throw new TokenRequestError('ERR_INVALID_REFRESH_TOKEN');
      const requested = form.scopes ?? family.scopes;
      if (requested.some((scope) => !family.scopes.includes(scope))) throw new TokenRequestError('ERR_INVALID_SCOPE');
      // Signed before the token is spent: a signing failure then leaves the token usable for a retry.
      const issued = await issue(family, requested);
      const { token, entry } = await newToken(family);
      const outcome = await onStore(() => store.rotate(family.id, digest, entry));
      // Used before: someone holds a copy. The login ends for everyone, its rightful owner included.
      if (outcome === 'reused') return refuse(family, true);
      if (outcome === 'ended') return refuse(family, false);
      return { issued, refreshToken: token, requested };
    },

    end,
  };
}
