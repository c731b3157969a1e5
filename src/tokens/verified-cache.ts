/**
 * Tokens verified before, kept in memory: a client sends the same token with every request until it
 * expires, and a token seen again is answered from here instead of being verified again. What is kept
 * stands for jose's verification (the signature and jose's claim checks); gatepass's own claim checks
 * and revocation still run on every request. Only tokens the app's own keys verified are kept, from
 * their second verification on, so that a token used once never pushes out one used again; the cache is
 * emptied whenever the key set changes, and a token is never answered from here once `exp` or `nbf`
 * says it is not valid now.
 *
 * @module
 */
import type { JWTPayload } from 'jose';
import { deepFreeze } from '../lib/freeze.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';

/** Options of the verified-token cache: the `verifiedTokenCache` option of `createTokens` and `createGatepass`. */
export interface VerifiedTokenCacheOptions {
  /**
   * The most the cache holds, in bytes as it estimates them: 3 bytes per character of each token and
   * 200 bytes per entry, plus a table of 4 bytes per 128 of `maxBytes` that remembers
   * which tokens verified once. Default 4 MiB (4194304): some 4,700 tokens of 220 characters. When it
   * is full, the half that was used least recently leaves. `0` keeps nothing.
   */
  maxBytes?: number;
}

/** Every {@link VerifiedTokenCacheOptions} name, for refusing misspelled ones. */
export const VERIFIED_TOKEN_CACHE_OPTION_NAMES = { maxBytes: true } as const satisfies Record<keyof VerifiedTokenCacheOptions, true>;

/** The cache as verification uses it. */
export interface VerifiedCache {
  /** The claims of a token verified before, while its time claims hold and the keys are as they were. */
  get(token: string): JWTPayload | undefined;
  /**
   * Keeps a token's claims, frozen, and returns them. `version` is the key set's version when its
   * verification began: a token verified with keys that have changed since is not kept.
   */
  keep(token: string, claims: JWTPayload, version: number): JWTPayload;
}

interface Entry {
  readonly token: string;
  readonly claims: JWTPayload;
  readonly exp: number;
  readonly nbf: number;
  readonly bytes: number;
}

/** What an entry costs besides its token and claims: the map's slot, the entry and the claims object. */
const ENTRY_BYTES = 200;
/** An entry's bytes per character of its token: the token itself, and its claims as objects. */
const BYTES_PER_CHARACTER = 3;

/** `maxBytes` per slot of the table of tokens verified once; each slot takes 4 bytes. */
const BYTES_PER_SLOT = 128;

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** How a cache is made. */
export interface VerifiedCacheSettings {
  /** The `clockTolerance` option, in seconds. */
  readonly clockTolerance: number;
  /** The key set's version, which changes with it. */
  readonly version: () => number;
  /** The function the app called, for start-up errors. */
  readonly where: string;
}

/**
 * 30 bits of a token, from its last five characters: the end of its signature, which for a token that
 * verified is as good as random and which an attacker cannot make. They index the cache; an entry
 * answers only for the very token it was made for.
 */
function fingerprint(token: string): number {
  let bits = 0;
  for (let i = token.length - 5; i < token.length; i++) bits = (bits << 6) ^ token.charCodeAt(i);
  return bits & 0x3fffffff;
}

/** Whether two tokens are one, in time that depends on their lengths only, never on where they differ. */
function sameToken(kept: string, presented: string): boolean {
  let difference = kept.length ^ presented.length;
  for (let i = 0; i < kept.length && i < presented.length; i++) difference |= kept.charCodeAt(i) ^ presented.charCodeAt(i);
  return difference === 0;
}

/**
 * The cache the `verifiedTokenCache` option asks for, checked at start-up: `undefined` for `false` or
 * a `maxBytes` of 0.
 *
 * @internal
 */
export function createVerifiedCache(option: VerifiedTokenCacheOptions | false | undefined, settings: VerifiedCacheSettings): VerifiedCache | undefined {
  const { clockTolerance, version, where } = settings;
  if (option === false) return undefined;
  if (option !== undefined) {
    checkOptionsObject(`${where}: verifiedTokenCache`, option);
    checkOptionNames(`${where}: verifiedTokenCache`, option, VERIFIED_TOKEN_CACHE_OPTION_NAMES);
  }
  const maxBytes = option?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`${where}: verifiedTokenCache.maxBytes must be a whole number of bytes`);
  if (maxBytes === 0) return undefined;

  // The tokens verified once, by fingerprint, in slots that newer ones overwrite: a token is kept when
  // it verifies again while its slot still holds it.
  const once = new Uint32Array(2 ** Math.max(0, Math.floor(Math.log2(maxBytes / BYTES_PER_SLOT))));
  // Two generations: entries go into `recent` until it holds half of what is left; then it becomes
  // `older` and the former `older` leaves at once. A token found in `older` moves back into `recent`.
  // Nothing is searched for or walked, so each call costs the same however full the cache is.
  const half = Math.floor((maxBytes - once.byteLength) / 2);
  let recent = new Map<number, Entry>();
  let older = new Map<number, Entry>();
  let recentBytes = 0;
  let seen = version();

  /** Whether `exp` or `nbf` says the token is not valid at `now`, as jose checks them. */
  const stale = (entry: Entry, now: number): boolean => entry.exp <= now - clockTolerance || entry.nbf > now + clockTolerance;
  const sameKeys = (current: number): boolean => {
    if (current === seen) return true;
    recent = new Map();
    older = new Map();
    recentBytes = 0;
    seen = current;
    return false;
  };
  const add = (key: number, entry: Entry): void => {
    if (recentBytes + entry.bytes > half) {
      older = recent;
      recent = new Map();
      recentBytes = 0;
    }
    recent.set(key, entry);
    recentBytes += entry.bytes;
  };

  return {
    get(token) {
      const key = fingerprint(token);
      let entry = recent.get(key);
      const found = entry !== undefined;
      entry ??= older.get(key);
      // A stale token is verified again from scratch, so that its error is the one a first verification
      // gives; its entry leaves with its generation.
      if (entry === undefined || !sameToken(entry.token, token) || !sameKeys(version()) || stale(entry, Math.floor(Date.now() / 1000))) return undefined;
      if (!found) {
        older.delete(key);
        add(key, entry);
      }
      return entry.claims;
    },

    keep(token, claims, verifiedWith) {
      deepFreeze(claims);
      const key = fingerprint(token);
      const bytes = ENTRY_BYTES + BYTES_PER_CHARACTER * token.length;
      if (bytes > half || verifiedWith !== version()) return claims;
      sameKeys(verifiedWith);
      const slot = key & (once.length - 1);
      if (once[slot] !== key + 1) {
        once[slot] = key + 1;
        return claims;
      }
      if (recent.has(key) || older.has(key)) return claims;
      const { exp, nbf } = claims as { exp?: number; nbf?: number };
      // A copy that holds only the token: a slice of a string keeps the whole header or cookie it came from.
      add(key, { token: (' ' + token).slice(1), claims, exp: exp ?? Infinity, nbf: nbf ?? -Infinity, bytes });
      return claims;
    },
  };
}
