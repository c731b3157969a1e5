/**
 * Refresh tokens in Redis, shared by every instance: a token used on one and replayed on another is
 * caught, and its family ended for all.
 *
 * @module
 */
import type { RefreshFamily, RefreshTokenStore } from './refresh-token-store.js';

/** What the store needs of a node-redis client (`createClient()` from the `redis` package, v5 or later). */
export interface RedisRefreshClientLike {
  /** `SET key value EXAT <seconds> [NX]`: `'OK'`, or `null` when NX found the key. */
  set(key: string, value: string, options: { expiration: { type: 'EXAT'; value: number }; condition?: 'NX' }): Promise<unknown>;
  /** `GET key`. */
  get(key: string): Promise<string | null>;
  /** `DEL key`. */
  del(key: string): Promise<number>;
}

/** Options of {@link createRedisRefreshTokenStore}. */
export interface RedisRefreshTokenStoreOptions {
  /** Prefix of the keys. Default `'gatepass:refresh:'`. */
  prefix?: string;
}

/**
 * A refresh token store in Redis. Each token is a key expiring with it; each family a key expiring at
 * the login's absolute end; a token's use is a `SET … NX` marker, so two instances using one token at
 * the same moment cannot both succeed: the second sees a reuse.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createGatepass, createRedisRefreshTokenStore } from 'gatepass';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL!, disableOfflineQueue: true }).connect();
 * const auth = createGatepass({ secret, refreshTokens: { store: createRedisRefreshTokenStore(redis) }, verifyCredentials, resolveUser });
 * ```
 */
export function createRedisRefreshTokenStore(client: RedisRefreshClientLike, options: RedisRefreshTokenStoreOptions = {}): RefreshTokenStore {
  if (typeof client?.set !== 'function' || typeof client.get !== 'function' || typeof client.del !== 'function') {
    throw new TypeError('createRedisRefreshTokenStore: expected a node-redis client (createClient() from the redis package)');
  }
  const prefix = options.prefix ?? 'gatepass:refresh:';
  const at = (seconds: number) => ({ type: 'EXAT' as const, value: Math.ceil(seconds) });
  return {
    async save(family, digest, expiresAt) {
      // The family first: a token whose family is missing is refused, never the other way round.
      await client.set(`${prefix}family:${family.id}`, JSON.stringify(family), { expiration: at(family.expiresAt) });
      await client.set(`${prefix}token:${digest}`, family.id, { expiration: at(expiresAt) });
    },
    async find(digest) {
      const familyId = await client.get(`${prefix}token:${digest}`);
      if (familyId === null) return undefined;
      const stored = await client.get(`${prefix}family:${familyId}`);
      return stored === null ? undefined : (JSON.parse(stored) as RefreshFamily);
    },
    async claim(digest) {
      // Kept as long as a token can live: the idle lifetime never outlasts the login, 400 days at most.
      const first = await client.set(`${prefix}used:${digest}`, '1', { expiration: { type: 'EXAT', value: Math.ceil(Date.now() / 1000) + 400 * 86_400 }, condition: 'NX' });
      return first !== null;
    },
    async endFamily(id) {
      await client.del(`${prefix}family:${id}`);
    },
  };
}
