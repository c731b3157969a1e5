/**
 * Revocation: tokens refused before they expire (logout, a stolen token), kept in a store that every
 * instance of the app shares, each entry only until the token would have expired anyway.
 *
 * @module
 */

/**
 * Where revoked tokens are kept. gatepass asks it on every verification, so a store shared by every
 * instance (Redis: {@link createRedisRevocationStore}) makes a logout on one honoured by all. A store
 * that throws or does not answer within `hookTimeout` fails the request closed with 503.
 */
export interface RevocationStore {
  /** Records `id` as revoked until `expiresAt` (seconds since the epoch): after that the token is refused as expired anyway. */
  revoke(id: string, expiresAt: number): Promise<void>;
  /** Whether `id` was revoked: `true` or `false`, nothing else (any other answer fails the request closed, 503). */
  isRevoked(id: string): Promise<boolean>;
  /** `true` when the store knows it holds nothing: verification then skips the token's digest. */
  readonly empty?: boolean;
}

/** Options of {@link createMemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /**
   * The most live entries held. When that many tokens are revoked and none has expired yet, a further
   * revocation fails (a logout answers 503) rather than forgetting one that still matters. Default 100000.
   */
  maxEntries?: number;
}

/**
 * A revocation store in this process's memory: the default, for an app that runs as one process.
 * Entries leave when their token would have expired.
 *
 * @example
 * ```ts
 * import { createGatepass, createMemoryRevocationStore } from 'gatepass';
 *
 * const auth = createGatepass({ secret, revocations: createMemoryRevocationStore({ maxEntries: 10_000 }), verifyCredentials, resolveUser });
 * ```
 */
export function createMemoryRevocationStore(options: MemoryRevocationStoreOptions = {}): RevocationStore {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('createMemoryRevocationStore: maxEntries must be a positive whole number');
  const revoked = new Map<string, number>();
  // A full store is swept at most once a second, so a flood of revocations cannot make each one a scan.
  let sweptAt = 0;
  return {
    get empty() {
      return revoked.size === 0;
    },
    async revoke(id, expiresAt) {
      const now = Date.now() / 1000;
      if (expiresAt <= now) return;
      if (revoked.size >= maxEntries && !revoked.has(id) && now - sweptAt >= 1) {
        sweptAt = now;
        for (const [held, until] of revoked) if (until <= now) revoked.delete(held);
      }
      if (revoked.size >= maxEntries && !revoked.has(id)) {
        throw new RangeError(`the memory revocation store holds ${maxEntries} live revocations (maxEntries); use a larger one or Redis`);
      }
      revoked.set(id, Math.max(expiresAt, revoked.get(id) ?? 0));
    },
    async isRevoked(id) {
      const expiresAt = revoked.get(id);
      if (expiresAt === undefined) return false;
      if (expiresAt > Date.now() / 1000) return true;
      revoked.delete(id);
      return false;
    },
  };
}
