/**
 * Revocations in Redis, shared by every instance: one key per revoked token, expiring with it.
 *
 * @module
 */
import { checkRedisClient, type RedisClientLike } from '../lib/redis-client.js';
import type { RevocationStore } from './revocation-store.js';

/** Options of {@link createRedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /** Prefix of the keys. Default `'gatepass:revoked:'`. */
  prefix?: string;
}

/**
 * A revocation store in Redis: a logout on one instance is refused by every other on its next
 * request. Each revoked token is one key that expires with the token (`SET … EXAT`).
 *
 * Create the client with `disableOfflineQueue: true` (see {@link RedisClientLike}).
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
  checkRedisClient(client, 'createRedisRevocationStore', 'client');
  const prefix = options.prefix ?? 'gatepass:revoked:';
  return {
    async revoke(id, expiresAt) {
      const at = Math.ceil(expiresAt);
      if (at <= Date.now() / 1000) return;
      // Revoked again later (a login ended twice), the key lives as long as the later revocation asks.
      await client.set(prefix + id, '1', { expiration: { type: 'EXAT', value: at } });
    },
    async isRevoked(id) {
      return (await client.exists(prefix + id)) > 0;
    },
  };
}
