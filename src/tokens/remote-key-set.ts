/**
 * A remote JWKS (another service's, an identity provider's), through jose's remote key set, with
 * the fetching policy an auth library needs on top: the document is bounded in time and bytes and
 * refused when it holds private members; a source that fails is not asked again before the
 * cooldown; and cached keys keep answering while a refresh fails (jose alone would refetch on every
 * request once its cache aged, and answer each one with the failure).
 *
 * @module
 */
import { createRemoteJWKSet, customFetch, type FlattenedJWSInput, type JWSHeaderParameters, type CryptoKey } from 'jose';
import { BearerError } from '../errors/auth-error.js';
import { fetchJson, FetchJsonError } from '../lib/fetch-json.js';
import { PRIVATE_MEMBERS } from './signing-key.js';

/**
 * How a remote key set is fetched and kept. The names follow jose's and express-oauth2-jwt-bearer's
 * (`cacheMaxAge`, `cooldownDuration`, `timeoutDuration`); every duration is in milliseconds.
 */
export interface RemoteKeySetOptions {
  /** How long a fetched JWKS is used before it is fetched again, in the background. Default 600000 (10 minutes). */
  cacheMaxAge?: number;
  /**
   * How long cached keys keep answering past `cacheMaxAge` while every refresh fails (the issuer
   * down): after that, tokens are refused with 503 until a fetch succeeds, so that a key the issuer
   * withdrew is not trusted forever. Default 86400000 (24 hours).
   */
  maxStale?: number;
  /**
   * The least time between two fetches: a `kid` the set does not hold causes one refetch, then none
   * for this long, however many requests carry unknown kids; a failed fetch is not retried within it
   * either. Default 30000.
   */
  cooldownDuration?: number;
  /** How long a fetch may take, body included. Default 5000. */
  timeoutDuration?: number;
  /** The largest JWKS or discovery document accepted, in bytes. Default 262144 (256 KiB). */
  maxResponseBytes?: number;
}

/** Every {@link RemoteKeySetOptions} name. */
export const REMOTE_KEY_SET_OPTION_NAMES = {
  cacheMaxAge: true,
  maxStale: true,
  cooldownDuration: true,
  timeoutDuration: true,
  maxResponseBytes: true,
} as const satisfies Record<keyof RemoteKeySetOptions, true>;

/** The settled options. */
export type RemoteLimits = Readonly<Required<RemoteKeySetOptions>>;

/** Checks the options at start-up and fills in the defaults. */
export function remoteLimits(options: RemoteKeySetOptions, where: string): RemoteLimits {
  const limits = {
    cacheMaxAge: options.cacheMaxAge ?? 600_000,
    maxStale: options.maxStale ?? 86_400_000,
    cooldownDuration: options.cooldownDuration ?? 30_000,
    timeoutDuration: options.timeoutDuration ?? 5_000,
    maxResponseBytes: options.maxResponseBytes ?? 262_144,
  };
  for (const [name, value] of Object.entries(limits)) {
    const positive = name === 'timeoutDuration' || name === 'maxResponseBytes';
    if (!Number.isInteger(value) || value < (positive ? 1 : 0) || (name === 'timeoutDuration' && value > 2 ** 31 - 1)) {
      throw new RangeError(`${where}: ${name} must be a ${positive ? 'positive' : 'non-negative'} whole number`);
    }
  }
  return limits;
}

/** The `Retry-After` of a key source that failed: when it will be asked again, in whole seconds. */
export function retryAfterOf(limits: RemoteLimits): number {
  return Math.max(1, Math.ceil(limits.cooldownDuration / 1000));
}

/** What jwtVerify takes to find the key of a token. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/**
 * Remembers a failure for a cooldown, so that a source that is down is asked once per cooldown, not
 * once per request: within it, the remembered error answers at once.
 */
export function coolingSource<A extends unknown[], T>(cooldown: number, attempt: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let failure: { at: number; error: unknown } | undefined;
  return async (...args) => {
    if (failure !== undefined && Date.now() - failure.at < cooldown) throw failure.error;
    try {
      const value = await attempt(...args);
      failure = undefined;
      return value;
    } catch (error) {
      failure = { at: Date.now(), error };
      throw error;
    }
  };
}

/** Refuses a document that is not a key set of public keys: a provider publishing private keys is broken. */
function checkPublicKeySet(document: unknown, url: string): void {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (typeof document !== 'object' || document === null || !Array.isArray(keys)) throw new FetchJsonError(`${url}: the document is not a JWKS`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null) throw new FetchJsonError(`${url}: the JWKS holds a key that is not an object`);
    if (PRIVATE_MEMBERS.some((member) => member in key)) throw new FetchJsonError(`${url}: the JWKS holds private key members`);
  }
}

/**
 * The key resolver of a remote JWKS. `jwksUri` is asked on first use (it may run OpenID Connect
 * discovery). A `kid` the set does not hold is `ERR_TOKEN_KEY_UNKNOWN` (401); a set that cannot be
 * had is `ERR_KEYS_UNAVAILABLE` (503), with the reason as `cause`.
 */
export function createRemoteKeySet(jwksUri: () => Promise<URL>, limits: RemoteLimits): KeyResolver {
  let fetchedAt: number | undefined;
  let attemptedAt = 0;
  const fetchSet = coolingSource(limits.cooldownDuration, async (url: string, signal: AbortSignal, headers: Headers | Record<string, string>) => {
    attemptedAt = Date.now();
    const document = await fetchJson(url, { signal, headers, maxBytes: limits.maxResponseBytes });
    checkPublicKeySet(document, url);
    fetchedAt = Date.now();
    return Response.json(document);
  });
  // One jose key set, made once the URL is known: concurrent first requests share it and its fetch.
  let remote: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const remoteSet = (): Promise<ReturnType<typeof createRemoteJWKSet>> =>
    (remote ??= jwksUri().then(
      (url) =>
        createRemoteJWKSet(url, {
          // jose refetches when a kid is unknown (once per cooldown); the age of the cache is ours to watch.
          cacheMaxAge: Infinity,
          cooldownDuration: limits.cooldownDuration,
          timeoutDuration: limits.timeoutDuration,
          [customFetch]: (url: string, init: { signal: AbortSignal; headers: Headers }) => fetchSet(url, init.signal, init.headers),
        }),
      (error: unknown) => {
        remote = undefined;
        throw error;
      },
    ));

  const resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    try {
      const keys = await remoteSet();
      const now = Date.now();
      if (fetchedAt !== undefined && now - fetchedAt > limits.cacheMaxAge) {
        if (now - fetchedAt > limits.cacheMaxAge + limits.maxStale) {
          // Too old to trust without the issuer's word: a fresh set, or a 503.
          await keys.reload();
        } else if (!keys.reloading && now - attemptedAt >= limits.cooldownDuration) {
          // Refresh in the background, at most once per cooldown: until it lands (or while it fails),
          // the cached keys answer.
          keys.reload().catch(() => {});
        }
      }
      return await keys(header, token);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
        throw new BearerError('ERR_TOKEN_KEY_UNKNOWN', { cause: err });
      }
      if (err instanceof BearerError) throw err;
      // The source is asked again after the cooldown: the client may retry then.
      throw new BearerError('ERR_KEYS_UNAVAILABLE', { cause: err, retryAfter: retryAfterOf(limits) });
    }
  };
  return resolve;
}
