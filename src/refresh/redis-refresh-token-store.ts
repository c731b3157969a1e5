/**
 * Refresh tokens in Redis, shared by every instance: a token used on one and replayed on another is
 * caught, and its family ended for all.
 *
 * @module
 */
import { checkRedisClient, type RedisClientLike } from '../lib/redis-client.js';
import type { RefreshFamily, RefreshTokenStore, RotateOutcome } from './refresh-token-store.js';

/** Options of {@link createRedisRefreshTokenStore}. */
export interface RedisRefreshTokenStoreOptions {
  /** Prefix of the keys. Default `'gatepass:refresh:'`. */
  prefix?: string;
}

// KEYS: the token, its family, the successor. ARGV: the family's id, the successor's expiry (seconds).
// A token's key holds its family's id, prefixed with `!` once used; it keeps its expiry when marked.
const ROTATE = `
local token = redis.call('GET', KEYS[1])
if token ~= ARGV[1] and token ~= '!' .. ARGV[1] then return 'ended' end
if redis.call('EXISTS', KEYS[2]) == 0 then return 'ended' end
if token ~= ARGV[1] then return 'reused' end
redis.call('SET', KEYS[1], '!' .. ARGV[1], 'KEEPTTL')
redis.call('SET', KEYS[3], ARGV[1], 'EXAT', ARGV[2])
return 'rotated'
`;

const OUTCOMES: ReadonlySet<unknown> = new Set<RotateOutcome>(['rotated', 'reused', 'ended']);

/**
 * A refresh token store in Redis (6.2 or later, one primary: not Redis Cluster). Each token is a key
 * expiring with it, each family a key expiring at the login's absolute end. A rotation is one script,
 * so it is atomic: two instances using one token at the same moment cannot both succeed (the second
 * sees a reuse), and a rotation cannot revive a login that ended meanwhile.
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
export function createRedisRefreshTokenStore(client: RedisClientLike, options: RedisRefreshTokenStoreOptions = {}): RefreshTokenStore {
  checkRedisClient(client, 'createRedisRefreshTokenStore', 'client');
  const prefix = options.prefix ?? 'gatepass:refresh:';
  const familyKey = (id: string) => `${prefix}family:${id}`;
  const tokenKey = (digest: string) => `${prefix}token:${digest}`;
  const at = (seconds: number) => ({ type: 'EXAT' as const, value: Math.ceil(seconds) });
  return {
    async start(family, first) {
      // The family first: a token whose family is missing is refused, never the other way round.
      await client.set(familyKey(family.id), JSON.stringify(family), { expiration: at(family.expiresAt), condition: 'NX' });
      await client.set(tokenKey(first.digest), family.id, { expiration: at(first.expiresAt) });
    },
    async find(digest) {
      const token = await client.get(tokenKey(digest));
      if (token === null) return undefined;
      const stored = await client.get(familyKey(token.startsWith('!') ? token.slice(1) : token));
      return stored === null ? undefined : (JSON.parse(stored) as RefreshFamily);
    },
    async rotate(familyId, digest, next) {
      const outcome = await client.eval(ROTATE, {
        keys: [tokenKey(digest), familyKey(familyId), tokenKey(next.digest)],
        arguments: [familyId, String(Math.ceil(next.expiresAt))],
      });
      if (!OUTCOMES.has(outcome)) throw new TypeError('the refresh token script answered something else than rotated, reused or ended');
      return outcome as RotateOutcome;
    },
    async endFamily(id) {
      await client.del(familyKey(id));
    },
  };
}
