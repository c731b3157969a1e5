/**
 * API keys kept as SHA-256 digests: the app never holds a plaintext key after start-up, and a
 * presented key is compared with every stored digest in constant time.
 *
 * @module
 */
import type { SecurityContext, Verified } from './scheme.js';

/** Keys as digests, with the principal each stands for. */
export interface ApiKeyStore<User> {
  /** The `verify` hook for {@link apiKey}: the principal of a stored key, or `null`. */
  verify(key: string, context?: SecurityContext): Promise<Verified<User> | null>;
  /** Adds a key at run time (a newly issued one). */
  add(key: string, principal: Verified<User>): Promise<void>;
  /** Removes a key at run time (a revoked one); `true` when it was stored. */
  remove(key: string): Promise<boolean>;
}

const utf8 = new TextEncoder();

/** SHA-256 of a key's UTF-8 bytes. API keys are long random strings, so a fast hash is enough. */
async function digestOf(key: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(key)));
}

/** Compares two digests without an early exit: the time does not depend on where they differ. */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ (b[i] ?? 0);
  return difference === 0;
}

/**
 * Creates a store of API keys that keeps only their SHA-256 digests. Every stored digest is compared
 * with the presented key's, in constant time, whichever matches; the plaintext keys passed in are not
 * kept.
 *
 * @throws `TypeError` for a key that is not a non-empty string, or given twice.
 *
 * @example
 * ```ts
 * import { apiKey, createApiKeyStore } from 'gatepass';
 *
 * const keys = await createApiKeyStore([
 *   [process.env.REPORTING_KEY!, { subject: 'reporting-bot', user: { username: 'reporting-bot' }, scopes: ['items'] }],
 * ]);
 * const machineKey = apiKey({ in: 'header', name: 'X-API-Key', verify: keys.verify });
 * ```
 */
export async function createApiKeyStore<User>(
  keys: Iterable<readonly [key: string, principal: Verified<User>]> = [],
): Promise<ApiKeyStore<User>> {
  const entries: Array<{ digest: Uint8Array; principal: Verified<User> }> = [];
  const store: ApiKeyStore<User> = {
    async verify(key) {
      if (typeof key !== 'string') return null;
      const digest = await digestOf(key);
      let found: Verified<User> | null = null;
      for (const entry of entries) if (sameDigest(entry.digest, digest)) found = entry.principal;
      return found;
    },
    async add(key, principal) {
      if (typeof key !== 'string' || key === '') throw new TypeError('createApiKeyStore: a key must be a non-empty string');
      const digest = await digestOf(key);
      if (entries.some((entry) => sameDigest(entry.digest, digest))) throw new TypeError('createApiKeyStore: that key is stored already');
      entries.push({ digest, principal });
    },
    async remove(key) {
      const digest = await digestOf(key);
      const at = entries.findIndex((entry) => sameDigest(entry.digest, digest));
      if (at !== -1) entries.splice(at, 1);
      return at !== -1;
    },
  };
  for (const [key, principal] of keys) await store.add(key, principal);
  return store;
}
