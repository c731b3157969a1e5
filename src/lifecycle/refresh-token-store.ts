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
  /** When the login ends whatever happens (the absolute lifetime), in seconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * Where refresh tokens are kept. Give one shared by every instance ({@link createRedisRefreshTokenStore})
 * so that a token used on one instance and replayed on another is caught.
 */
export interface RefreshTokenStore {
  /** Keeps a new token of `family` (and the family, when new) until `expiresAt` (seconds since the epoch). */
  save(family: RefreshFamily, digest: string, expiresAt: number): Promise<void>;
  /** The family of a token that is known, unexpired and of a login that has not ended; `undefined` otherwise. Used or not. */
  find(digest: string): Promise<RefreshFamily | undefined>;
  /**
   * Marks a token used, atomically: `true` for its first use, `false` when it had been used before
   * (someone holds a copy). Called once its successor is saved, so a store failure in between leaves
   * the token usable for a retry rather than spent.
   */
  claim(digest: string): Promise<boolean>;
  /** Ends a family: none of its tokens can be used any more. */
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
  const sweep = (now: number): void => {
    for (const [digest, token] of tokens) if (token.expiresAt <= now) tokens.delete(digest);
    for (const [id, family] of families) if (family.expiresAt <= now) families.delete(id);
  };
  let saves = 0;
  return {
    async save(family, digest, expiresAt) {
      // Now and then, what has expired goes.
      if (++saves % 1024 === 0) sweep(Date.now() / 1000);
      families.set(family.id, family);
      tokens.set(digest, { familyId: family.id, expiresAt, used: false });
    },
    async find(digest) {
      const now = Date.now() / 1000;
      const token = tokens.get(digest);
      if (token === undefined || token.expiresAt <= now) return undefined;
      const family = families.get(token.familyId);
      return family === undefined || family.expiresAt <= now ? undefined : family;
    },
    async claim(digest) {
      const token = tokens.get(digest);
      if (token === undefined || token.used) return false;
      token.used = true;
      return true;
    },
    async endFamily(id) {
      families.delete(id);
    },
  };
}
