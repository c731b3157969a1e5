/**
 * Refresh tokens (RFC 6749 §6): opaque, stored only as digests, each usable once. The tokens of one
 * login form a family; a token used twice ends its family (reuse detection, RFC 9700 §4.14.2).
 *
 * @module
 */

/** One login's refresh tokens share this. */
export interface RefreshFamily {
  /** Random; access tokens of the login carry it as `sid`. */
  readonly id: string;
  /** The user, as the access tokens' `sub`. */
  readonly subject: string;
  /** The scopes granted at login: a refresh may narrow them, never widen them. */
  readonly scopes: readonly string[];
  /** Extra claims `verifyCredentials` gave, carried into every access token of the login. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** The client the login was granted to (`client_id`), when it named one: only it may refresh. */
  readonly clientId?: string;
  /** When the login ends whatever happens (the absolute lifetime), in seconds since the epoch. */
  readonly expiresAt: number;
}

/** A refresh token about to be handed out: its digest and when it idles out (seconds since the epoch). */
export interface RefreshTokenEntry {
  /** The SHA-256 of the token, base64url: the token itself is never stored. */
  readonly digest: string;
  /** When it idles out, in seconds since the epoch (never after its login's absolute end). */
  readonly expiresAt: number;
}

/**
 * How a {@link RefreshTokenStore.rotate} went: `rotated` (the token was unused and its login live; it
 * is spent and its successor kept), `reused` (it had been used before: someone holds a copy; nothing
 * was kept), `ended` (its login has ended or the token is gone; nothing was kept).
 */
export type RotateOutcome = 'rotated' | 'reused' | 'ended';

/**
 * Where refresh tokens are kept. Give one shared by every instance ({@link createRedisRefreshTokenStore})
 * so that a token used on one instance and replayed on another is caught. Families are created only
 * by `start`, and `rotate` checks the login and spends the token in one atomic step: a refresh in
 * flight while the login ends cannot bring it back.
 */
export interface RefreshTokenStore {
  /** Starts a login: keeps its family until `family.expiresAt` and its first token. */
  start(family: RefreshFamily, first: RefreshTokenEntry): Promise<void>;
  /** The family of a token that is known and unexpired, of a login that has not ended; `undefined` otherwise. Used or not. */
  find(digest: string): Promise<RefreshFamily | undefined>;
  /** Spends the token `digest` of `familyId` and keeps `next` in its place, atomically (see {@link RotateOutcome}). */
  rotate(familyId: string, digest: string, next: RefreshTokenEntry): Promise<RotateOutcome>;
  /** Ends a login: none of its tokens can be used any more, and no rotation in flight revives it. */
  endFamily(id: string): Promise<void>;
}

/**
 * Refresh tokens in this process's memory: for an app that runs as one process.
 *
 * @example
 * ```ts
 * import { createGatepass, createMemoryRefreshTokenStore } from 'gatepass';
 *
 * const auth = createGatepass({ secret, refreshTokens: { store: createMemoryRefreshTokenStore() }, verifyCredentials, resolveUser });
 * ```
 */
export function createMemoryRefreshTokenStore(): RefreshTokenStore {
  const tokens = new Map<string, { familyId: string; expiresAt: number; used: boolean }>();
  const families = new Map<string, RefreshFamily>();
  const live = (id: string, now: number): boolean => (families.get(id)?.expiresAt ?? 0) > now;
  let writes = 0;
  /** Now and then, what has expired or ended goes. */
  const sweep = (): void => {
    if (++writes % 1024 !== 0) return;
    const now = Date.now() / 1000;
    for (const [id, family] of families) if (family.expiresAt <= now) families.delete(id);
    for (const [digest, token] of tokens) if (token.expiresAt <= now || !families.has(token.familyId)) tokens.delete(digest);
  };
  return {
    async start(family, first) {
      sweep();
      families.set(family.id, family);
      tokens.set(first.digest, { familyId: family.id, expiresAt: first.expiresAt, used: false });
    },
    async find(digest) {
      const now = Date.now() / 1000;
      const token = tokens.get(digest);
      if (token === undefined || token.expiresAt <= now || !live(token.familyId, now)) return undefined;
      return families.get(token.familyId);
    },
    async rotate(familyId, digest, next) {
      const now = Date.now() / 1000;
      const token = tokens.get(digest);
      if (token === undefined || token.familyId !== familyId || token.expiresAt <= now || !live(familyId, now)) return 'ended';
      if (token.used) return 'reused';
      sweep();
      token.used = true;
      tokens.set(next.digest, { familyId, expiresAt: next.expiresAt, used: false });
      return 'rotated';
    },
    async endFamily(id) {
      families.delete(id);
    },
  };
}
