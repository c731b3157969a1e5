/**
 * Key sets: several keys at once, each with a `kid`. The newest signing key signs; the others keep
 * verifying until the last token they signed has expired, then leave the set (and its JWKS) by
 * themselves. Keys are added, activated, retired and removed at run time, without a restart.
 *
 * @module
 */
import type { JSONWebKeySet } from 'jose';
import type { TokenAlgorithm } from './algorithms.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { checkKeySpec, importSigningKey, KEY_SPEC_NAMES, type ImportedKey, type KeySpec } from './signing-key.js';

/** What {@link KeySet.list} tells about a key. */
export interface KeyInfo {
  /** The key's id, as tokens it signs carry it. */
  readonly kid: string;
  /** The one algorithm it signs and verifies with. */
  readonly alg: TokenAlgorithm;
  /** Whether this key signs new tokens now. Exactly one key does, unless none can. */
  readonly signing: boolean;
  /** Whether it has a private part or a secret, so that it could sign. */
  readonly canSign: boolean;
  /** When it stopped signing, for a retired key. */
  readonly retiredAt?: Date;
  /** When a retired key leaves the set: the last token it signed has expired by then. */
  readonly verifiesUntil?: Date;
}

/** Options of {@link KeySet.add}. */
export interface AddKeyOptions {
  /**
   * Whether the new key signs at once (default `true`). `false` publishes it and lets it verify
   * first; {@link KeySet.activate} makes it sign once every verifier has fetched the new JWKS.
   */
  sign?: boolean;
}

/**
 * The keys tokens are signed and verified with (`auth.keys`), for rotation at run time.
 *
 * @example
 * ```ts
 * // Rotate: publish the new key first, sign with it once verifiers have had time to fetch the JWKS.
 * const next = await auth.keys.add({ privateKey: process.env.NEXT_PRIVATE_KEY!, alg: 'ES256' }, { sign: false });
 * setTimeout(() => auth.keys.activate(next.kid), 10 * 60_000);
 * ```
 */
export interface KeySet {
  /** Settles when the keys given at creation are imported; rejects with the first bad key. */
  readonly ready: Promise<void>;
  /**
   * Imports and adds a key. One that can sign signs from now on (unless `sign: false`); the key that
   * signed before is retired: it verifies until its tokens have expired.
   *
   * @throws `TypeError` for a bad key, `RangeError` for a `kid` and algorithm already in the set.
   */
  add(key: KeySpec, options?: AddKeyOptions): Promise<KeyInfo>;
  /**
   * Makes a key in the set the signing key; the one before it is retired.
   *
   * @throws `RangeError` for a kid not in the set, or a key without a private part.
   */
  activate(kid: string): void;
  /**
   * Stops a key signing. It keeps verifying, and stays in the JWKS, until the last token it signed
   * has expired. A signing key can only be retired while another key can sign.
   *
   * @throws `RangeError` for a kid not in the set, or the only key that can sign.
   */
  retire(kid: string): void;
  /**
   * Removes a key at once, for a key that leaked: every token it signed is refused from now on. If it
   * was signing, the newest other key that can sign takes over (add the replacement first to choose).
   */
  remove(kid: string): void;
  /** The keys, newest first. */
  list(): KeyInfo[];
  /**
   * The JWKS of this app's public keys (RFC 7517): `kid`, `alg`, `use`; never a private member, a
   * secret, or a key held only to verify another service's tokens.
   */
  jwks(): JSONWebKeySet;
}

interface Entry extends ImportedKey {
  signing: boolean;
  /** Seconds since the epoch. */
  retiredAt: number | undefined;
  /** The latest `exp` of a token this key signed here, in seconds. */
  lastExpiry: number;
}

/** How long a retired key must stay: what the token lifetime and clock tolerance make it. */
export interface KeyLifetimes {
  /** The default token lifetime, in seconds: tokens signed before this process started are covered too. */
  readonly expiresIn: number;
  /** Seconds of clock skew verification allows, added to a retired key's time. */
  readonly clockTolerance: number;
}

/** Result of a lookup by a token's header. */
export type KeyMatch = { readonly key: ImportedKey } | { readonly unknown: true } | { readonly wrongAlgorithm: true };

/** The key set with what the token issuer and verifier use. */
export interface ManagedKeySet extends KeySet {
  /** The key that signs now: throws when no key can sign. */
  signer(): Promise<ImportedKey>;
  /** Records that `key` signed a token expiring at `exp` (seconds), so that it stays as long. */
  signed(key: ImportedKey, exp: number): void;
  /** The key for a token's header, once `ready` settled: by `kid`, else the only key of its `alg`. */
  match(kid: unknown, alg: string): KeyMatch;
  /** Whether the set holds any key. */
  readonly size: number;
  /** Whether a key of the set verifies `alg`. */
  verifies(alg: string): boolean;
  /**
   * Changes whenever the set does: a key imported, added, activated, retired or removed, or a retired
   * key leaving by itself. What was verified with the set as it was is valid while this stays the same.
   */
  readonly version: number;
}

const now = (): number => Date.now() / 1000;

/** How a key set is made. */
export interface KeySetSettings {
  /** The `algorithm` option: the default algorithm of a key that names none. */
  readonly algorithm: TokenAlgorithm | undefined;
  /** The `algorithms` option: a key of another algorithm is refused. */
  readonly algorithms: readonly TokenAlgorithm[] | undefined;
  readonly lifetimes: KeyLifetimes;
  /** The function the app called, for start-up errors. */
  readonly where: string;
  /** Whether the specs are the app's `keys` list (errors then name `keys[i]`). */
  readonly listed: boolean;
}

const ADD_OPTION_NAMES = { sign: true } as const satisfies Record<keyof AddKeyOptions, true>;

/**
 * Creates a key set from specs checked at start-up; the first key that can sign signs.
 *
 * @internal
 */
export function createKeySet(specs: readonly KeySpec[], settings: KeySetSettings): ManagedKeySet {
  const { algorithm, algorithms, lifetimes, where, listed } = settings;
  const checked = (spec: KeySpec, what: string): TokenAlgorithm => {
    const alg = checkKeySpec(spec, spec.alg ?? algorithm, what);
    if (algorithms !== undefined && !algorithms.includes(alg)) {
      throw new TypeError(`${what}: a key for ${alg}, which algorithms does not allow (${algorithms.join(', ')})`);
    }
    return alg;
  };
  const algs = specs.map((spec, i) => checked(spec, listed ? `${where}: keys[${i}]` : where));
  let entries: Entry[] = [];
  let version = 0;
  const ready = Promise.all(specs.map((spec, i) => importSigningKey(spec, algs[i]!, where))).then((keys) => {
    version++;
    entries = keys.map((key) => ({ ...key, signing: false, retiredAt: undefined, lastExpiry: 0 }));
    checkUnique(entries, where);
    const first = entries.find((entry) => entry.signKey !== undefined);
    if (first !== undefined) first.signing = true;
  });
  // A bad key surfaces where it is used (and from `ready`), not as an unhandled rejection at start-up.
  ready.catch(() => {});

  const until = (entry: Entry): number =>
    Math.max(entry.lastExpiry, (entry.retiredAt ?? Infinity) + lifetimes.expiresIn) + lifetimes.clockTolerance;
  // The keys still in service. Filtering only when a retired key may have run out keeps the request
  // path free of work and allocation.
  const live = (): Entry[] => {
    const t = now();
    if (!entries.some((entry) => entry.retiredAt !== undefined && t > until(entry))) return entries;
    version++;
    entries = entries.filter((entry) => entry.retiredAt === undefined || t <= until(entry));
    return entries;
  };
  const byKid = (kid: string, what: string): Entry[] => {
    const found = live().filter((entry) => entry.kid === kid);
    if (found.length === 0) throw new RangeError(`${what}: no key ${kid} in the set`);
    return found;
  };
  // A key is retired as a whole: every entry of its kid (one key given for several algorithms).
  const retireSigner = (): void => {
    version++;
    const kids = new Set(entries.filter((entry) => entry.signing).map((entry) => entry.kid));
    const t = now();
    for (const entry of entries) {
      if (!kids.has(entry.kid)) continue;
      entry.signing = false;
      entry.retiredAt ??= t;
    }
  };
  const info = (entry: Entry): KeyInfo => ({
    kid: entry.kid,
    alg: entry.alg,
    signing: entry.signing,
    canSign: entry.signKey !== undefined,
    ...(entry.retiredAt === undefined ? {} : { retiredAt: new Date(entry.retiredAt * 1000), verifiesUntil: new Date(until(entry) * 1000) }),
  });

  return {
    ready,
    get size() {
      return live().length;
    },
    get version() {
      live();
      return version;
    },

    async add(spec, options = {}) {
      checkOptionsObject('keys.add', spec);
      checkOptionNames('keys.add', spec, KEY_SPEC_NAMES);
      checkOptionsObject('keys.add: options', options);
      checkOptionNames('keys.add: options', options, ADD_OPTION_NAMES);
      const alg = checked(spec, 'keys.add');
      if (options.sign !== undefined && typeof options.sign !== 'boolean') throw new TypeError('keys.add: sign must be true or false');
      const [key] = await Promise.all([importSigningKey(spec, alg, 'keys.add'), ready]);
      const entry: Entry = { ...key, signing: false, retiredAt: undefined, lastExpiry: 0 };
      checkUnique([entry, ...live()], 'keys.add');
      if (options.sign !== false && entry.signKey !== undefined) {
        retireSigner();
        entry.signing = true;
      }
      version++;
      entries = [entry, ...entries];
      return info(entry);
    },

    activate(kid) {
      const entry = byKid(kid, 'keys.activate').find((candidate) => candidate.signKey !== undefined);
      if (entry === undefined) throw new RangeError(`keys.activate: key ${kid} has no private part to sign with`);
      if (entry.signing) return;
      retireSigner();
      entry.signing = true;
      for (const same of entries) if (same.kid === kid) same.retiredAt = undefined;
    },

    retire(kid) {
      const found = byKid(kid, 'keys.retire');
      if (found.some((entry) => entry.signing)) {
        const next = entries.find((entry) => entry.kid !== kid && entry.signKey !== undefined && entry.retiredAt === undefined);
        if (next === undefined) throw new RangeError(`keys.retire: ${kid} signs and no other key can; add one first`);
        retireSigner();
        next.signing = true;
      }
      version++;
      for (const entry of found) entry.retiredAt ??= now();
    },

    remove(kid) {
      const found = byKid(kid, 'keys.remove');
      version++;
      entries = entries.filter((entry) => !found.includes(entry));
      if (found.some((entry) => entry.signing)) {
        // The newest key that can sign takes over, a retired one too: it is back in service.
        const next = live().find((entry) => entry.signKey !== undefined);
        if (next !== undefined) {
          next.signing = true;
          next.retiredAt = undefined;
        }
      }
    },

    list: () => live().map(info),

    verifies: (alg) => live().some((entry) => entry.alg === alg),

    // This app's own public keys: a key held only to verify another service's tokens is not published.
    jwks: () => ({ keys: live().flatMap((entry) => (entry.jwk === undefined || entry.signKey === undefined ? [] : [{ ...entry.jwk }])) }),

    async signer() {
      await ready;
      const entry = live().find((candidate) => candidate.signing);
      if (entry === undefined) throw new TypeError(`${where}: no key can sign tokens: give secret, privateKey or keys with a private key`);
      return entry;
    },

    signed(key, exp) {
      const entry = key as Entry;
      if (exp > entry.lastExpiry) entry.lastExpiry = exp;
    },

    match(kid, alg) {
      const candidates = live();
      if (typeof kid === 'string') {
        const same = candidates.filter((entry) => entry.kid === kid);
        if (same.length === 0) return { unknown: true };
        const key = same.find((entry) => entry.alg === alg);
        return key === undefined ? { wrongAlgorithm: true } : { key };
      }
      // A token without `kid` (issued before keys had ids, or by a service that sets none): only a
      // set with exactly one key of its algorithm can tell which key it means.
      const ofAlg = candidates.filter((entry) => entry.alg === alg);
      return ofAlg.length === 1 ? { key: ofAlg[0]! } : { unknown: true };
    },
  };
}

function checkUnique(entries: readonly Entry[], where: string): void {
  const seen = new Set<string>();
  for (const { kid, alg } of entries) {
    const id = `${kid} ${alg}`;
    if (seen.has(id)) throw new RangeError(`${where}: two keys have kid ${kid} and algorithm ${alg}`);
    seen.add(id);
  }
}
