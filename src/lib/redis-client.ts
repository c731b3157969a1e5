/**
 * What gatepass's Redis stores need of a client: the few node-redis methods they call
 * (`createClient()` from the `redis` package, v5 or later, connected). gatepass depends on no Redis
 * client; the app brings its own, and one client serves every store.
 *
 * Create it with `disableOfflineQueue: true`: while Redis is unreachable, commands then fail at once
 * and requests that need them are answered 503 (through `onError`) rather than waiting for
 * `hookTimeout`; node-redis reconnects by itself when Redis is back.
 */
export interface RedisClientLike {
  /** `SET key value EXAT <seconds> [NX]`: `'OK'`, or `null` when NX found the key. */
  set(key: string, value: string, options: { expiration: { type: 'EXAT'; value: number }; condition?: 'NX' }): Promise<unknown>;
  /** `EXISTS key`: how many of the keys exist. */
  exists(key: string): Promise<number>;
  /** `GET key`. */
  get(key: string): Promise<string | null>;
  /** `DEL key`. */
  del(key: string): Promise<number>;
  /** `EVAL script`: the stores' atomic steps, and rate-limiter-flexible's counting. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Whether the client is connected. */
  readonly isReady: boolean;
}

/** Checks at start-up that `client` (the option `name` of `where`) has what the stores call. */
export function checkRedisClient(client: unknown, where: string, name: string): RedisClientLike {
  const candidate = client as Partial<Record<keyof RedisClientLike, unknown>> | null | undefined;
  const methods = ['set', 'exists', 'get', 'del', 'eval'] as const;
  if (typeof candidate !== 'object' || candidate === null || methods.some((name) => typeof candidate[name] !== 'function') || typeof candidate.isReady !== 'boolean') {
    throw new TypeError(`${where}: ${name} must be a node-redis client (createClient() from the redis package)`);
  }
  return client as RedisClientLike;
}
