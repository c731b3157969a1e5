/**
 * Revocations in Redis, shared by every instance: one key per revoked token, expiring with it.
 *
 * @module
 */
import type { RevocationStore } from './revocation-store.js';

/**
 * What the Redis store needs of a client: node-redis's `set` and `exists` (`createClient()` from the
 * `redis` package, v5 or later). gatepass does not depend on a Redis client; the app brings its own.
 */
export interface RedisClientLike {
  /** `SET key value EXAT <seconds> NX`. */
  set(key: string, value: string, options: { expiration: { type: 'EXAT'; value: number }; condition: 'NX' }): Promise<unknown>;
  /** `EXISTS key`: how many of the keys exist. */
  exists(key: string): Promise<number>;
}

/** Options of {@link createRedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /** Prefix of the keys. Default `'gatepass:revoked:'`. */
  prefix?: string;
}

/**
 * A revocation store in Redis: a logout on one instance is refused by every other on its next
 * request. Each revoked token is one key that expires with the token (`SET … EXAT … NX`).
 *
 * Create the client with `disableOfflineQueue: true`: while Redis is unreachable, commands then fail
 * at once and the request is answered 503 (through `onError`), rather than waiting for `hookTimeout`;
 * node-redis reconnects by itself when Redis is back.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createGatepass, createRedisRevocationStore } from 'gatepass';
 *
 * const redis = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * const auth = createGatepass({ secret, revocations: createRedisRevocationStore(redis), verifyCredentials, resolveUser });
 * ```
 */
export function createRedisRevocationStore(client: RedisClientLike, options: RedisRevocationStoreOptions = {}): RevocationStore {
  if (typeof client?.set !== 'function' || typeof client.exists !== 'function') {
    throw new TypeError('createRedisRevocationStore: expected a node-redis client (createClient() from the redis package)');
  }
  const prefix = options.prefix ?? 'gatepass:revoked:';
  return {
    async revoke(id, expiresAt) {
      const at = Math.ceil(expiresAt);
      if (at <= Date.now() / 1000) return;
      await client.set(prefix + id, '1', { expiration: { type: 'EXAT', value: at }, condition: 'NX' });
    },
    async isRevoked(id) {
      return (await client.exists(prefix + id)) > 0;
    },
  };
}
