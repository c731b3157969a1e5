/**
 * Login throttling at the token endpoint: at most so many failed logins per username and per client
 * address within a window, counted by rate-limiter-flexible in this process's memory or in Redis.
 *
 * @module
 */
import ipaddr from 'ipaddr.js/lib/ipaddr.js';
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRedis from 'rate-limiter-flexible/lib/RateLimiterRedis.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import { AuthError, TokenRequestError } from '../errors/auth-error.js';
import { callStore } from '../lib/hooks.js';
import { checkRedisClient, type RedisClientLike } from '../lib/redis-client.js';
import { sha256 } from '../lib/sha256.js';

/** Options of `loginThrottle` (see `createGatepass`). */
export interface LoginThrottleOptions {
  /**
   * Failed logins allowed per username within the window; the next token request for that username
   * is answered 429 until the window ends. A whole number, at least 1.
   */
  maxFailures: number;
  /** Failed logins allowed per client address within the window. Default: `maxFailures`. */
  maxFailuresPerAddress?: number;
  /** The window in whole seconds, from a counter's first failure. Default 900 (15 minutes). */
  windowSeconds?: number;
  /**
   * A connected node-redis client ({@link RedisClientLike}): the counters live in Redis, shared by
   * every instance that uses it. Default: in this process's memory. While Redis cannot be reached,
   * token requests fail with `ERR_STORE_UNAVAILABLE` (503, through `onError`), never unthrottled.
   */
  redis?: RedisClientLike;
  /** Prefix of the Redis keys. Default `'gatepass:login'`. */
  prefix?: string;
}

/** The limits in force, as `auth.loginThrottle` reports them. */
export interface LoginThrottleSettings {
  /** Failed logins allowed per username within the window. */
  readonly maxFailures: number;
  /** Failed logins allowed per client address within the window. */
  readonly maxFailuresPerAddress: number;
  /** The window, in seconds. */
  readonly windowSeconds: number;
  /** Where the counts are kept. */
  readonly store: 'memory' | 'redis';
}

/**
 * One endpoint's throttle. `run` counts an attempt when it starts (so one address never has more
 * logins in flight than its limit allows), then settles the count by how `verify` ended: a refusal of
 * the credentials (`null`, or a 4xx it threw) stays counted; a success clears the username's count and
 * gives the address its attempt back; a server-side failure (5xx) gives both back.
 */
export interface LoginThrottle {
  readonly settings: LoginThrottleSettings;
  run<T>(username: string, address: string | undefined, verify: () => Promise<T | null | undefined>): Promise<T | null | undefined>;
}

/** @internal */
export const LOGIN_THROTTLE_NAMES = {
  maxFailures: true,
  maxFailuresPerAddress: true,
  windowSeconds: true,
  redis: true,
  prefix: true,
} as const satisfies Record<keyof LoginThrottleOptions, true>;

type Limiter = InstanceType<typeof RateLimiterMemory> | InstanceType<typeof RateLimiterRedis>;

/** The key of an address: an IPv6 address stands for its /64 (one subscriber's network), an IPv4-mapped one for its IPv4 address. */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}

function wholeNumber(where: string, name: string, value: unknown, least: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    throw new RangeError(`${where}: ${name} must be a whole number, at least ${least}`);
  }
  return value;
}

/** Builds the throttle from checked options (names already checked by the caller). */
export function createLoginThrottle(options: LoginThrottleOptions, where: string, timeoutMs: number): LoginThrottle {
  const maxFailures = wholeNumber(where, 'maxFailures', options.maxFailures, 1);
  const maxFailuresPerAddress = wholeNumber(where, 'maxFailuresPerAddress', options.maxFailuresPerAddress ?? maxFailures, 1);
  const windowSeconds = wholeNumber(where, 'windowSeconds', options.windowSeconds ?? 900, 1);
  const { redis } = options;
  const prefix = options.prefix ?? 'gatepass:login';
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`${where}: prefix must be a non-empty string`);
  if (redis !== undefined) checkRedisClient(redis, where, 'redis');

  const limiter = (kind: string, points: number): Limiter => {
    const settings = { points, duration: windowSeconds, keyPrefix: `${prefix}:${kind}` };
    // rejectIfRedisNotReady: while the client is reconnecting, fail at once instead of queueing.
    return redis === undefined
      ? new RateLimiterMemory(settings)
      : new RateLimiterRedis({ ...settings, storeClient: redis, useRedisPackage: true, rejectIfRedisNotReady: true });
  };
  const byUsername = limiter('user', maxFailures);
  const byAddress = limiter('address', maxFailuresPerAddress);

  /**
   * A counter's call within the timeout; a failure or no answer is `ERR_STORE_UNAVAILABLE` (503), never
   * a pass. The limiter's refusal of a key over its limit is an answer, not a failure: it comes back
   * as that answer.
   */
  const store = <T>(operation: () => Promise<T>): Promise<T | InstanceType<typeof RateLimiterRes>> =>
    callStore(() => operation().catch((err: unknown) => (err instanceof RateLimiterRes ? err : Promise.reject(err))), timeoutMs);

  /** Gives attempts back. Best effort: the answer is decided already, and a failing store must not change it. */
  async function giveBack(taken: ReadonlyArray<readonly [Limiter, string]>): Promise<void> {
    await Promise.all(taken.map(([counter, key]) => store(() => counter.reward(key)).catch(() => {})));
  }

  return {
    settings: Object.freeze({ maxFailures, maxFailuresPerAddress, windowSeconds, store: redis === undefined ? 'memory' : 'redis' }),

    async run(username, address, verify) {
      // The address first: a flood from one address stops there, without a counter for each username it tries.
      const counters: Array<readonly [Limiter, string]> = [];
      // Keys of a fixed length that hold no username or address in the clear.
      if (address !== undefined) counters.push([byAddress, await sha256(addressKey(address))]);
      // A username in another case or Unicode spelling is the same account to most apps' lookups.
      counters.push([byUsername, await sha256(username.normalize('NFKC').toLowerCase())]);
      const taken: Array<readonly [Limiter, string]> = [];
      for (const counter of counters) {
        const [limiter, key] = counter;
        let refused: InstanceType<typeof RateLimiterRes> | undefined;
        try {
          refused = await store(() => limiter.consume(key).then(() => undefined));
        } catch (err) {
          await giveBack(taken);
          throw err;
        }
        if (refused !== undefined) {
          // A refused request counts nowhere: the over-limit count it added goes too.
          await giveBack([...taken, counter]);
          throw new TokenRequestError('ERR_TOO_MANY_ATTEMPTS', { retryAfter: Math.max(1, Math.ceil(refused.msBeforeNext / 1000)) });
        }
        taken.push(counter);
      }
      let result: Awaited<ReturnType<typeof verify>>;
      try {
        result = await verify();
      } catch (err) {
        // Credentials refused otherwise (a password over the hasher's limit, a refused client) count as
        // a failure; a fault of the server's (a full hashing queue, a hook that failed) does not.
        if (!(err instanceof AuthError && err.status < 500)) await giveBack(taken);
        throw err;
      }
      if (result === null || result === undefined) return result;
      // A success: the username starts afresh; the address only gets this attempt back, so that one
      // account an attacker holds cannot clear the count of the guesses made from its address.
      await Promise.all(
        taken.map(([counter, key]) => store<unknown>(() => (counter === byUsername ? counter.delete(key) : counter.reward(key))).catch(() => {})),
      );
      return result;
    },
  };
}
