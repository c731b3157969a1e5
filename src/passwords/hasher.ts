// What `gatepass/password` does whatever computes argon2id: options, limits, the hashing queue, the dummy
// verification for unknown users, rehashing. The entries give it an implementation: src/password.ts the
// native addon (Node, Bun, Deno), src/password-portable.ts a JavaScript one (workerd, edge runtimes).
import { AuthError } from '../errors/auth-error.js';
import { ConcurrencyGate } from '../lib/concurrency-gate.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { formatArgon2idPhc, parseArgon2Phc } from './phc.js';

/** Hashing parameters and the limits that protect the server while hashing. */
export interface PasswordHasherOptions {
  /** Memory per hash in KiB. Default 19456 (19 MiB, OWASP's argon2id minimum). */
  memoryCost?: number;
  /** Passes over memory. Default 2 (OWASP). */
  timeCost?: number;
  /** Lanes. Default 1 (OWASP). */
  parallelism?: number;
  /** Longest password accepted, in UTF-8 bytes after normalisation; longer ones are refused before hashing. Default 1024. */
  maxPasswordBytes?: number;
  /**
   * Hashes computed at once; each holds `memoryCost` KiB. Default: the number of CPUs, at most 4 (on
   * workerd and edge runtimes 1: hashes run on the one JavaScript thread there).
   */
  maxConcurrent?: number;
  /** Hashes waiting for a slot; one more is refused with `ERR_BUSY` (503). Default 64. */
  maxQueue?: number;
  /** Seconds sent as `Retry-After` with `ERR_BUSY`. Default 1. */
  retryAfter?: number;
  /**
   * Unicode normalisation applied before hashing and verifying, so that the same password typed on
   * two keyboards matches (NIST SP 800-63B §5.1.1.2). `false` hashes the string as given. Default `'NFKC'`.
   */
  normalize?: 'NFC' | 'NFKC' | false;
}

const OPTION_NAMES = {
  memoryCost: true,
  timeCost: true,
  parallelism: true,
  maxPasswordBytes: true,
  maxConcurrent: true,
  maxQueue: true,
  retryAfter: true,
  normalize: true,
} as const satisfies Record<keyof PasswordHasherOptions, true>;

/** The outcome of {@link PasswordHasher.verifyAndRehash}. */
export interface RehashResult {
  /** Whether the password matched. */
  valid: boolean;
  /** A new hash to store instead of the old one, when the password matched and the old hash is outdated. */
  rehashed?: string;
}

/** Hashes and verifies passwords. Never logs, stores or reports the plaintext. */
export interface PasswordHasher {
  /**
   * Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
   *
   * @throws `AuthError` (from `gatepass`) `ERR_PASSWORD_TOO_LONG`; `ERR_BUSY` when the queue is full.
   */
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a stored hash.
   *
   * @throws `AuthError` (from `gatepass`) `ERR_PASSWORD_TOO_LONG`, `ERR_BUSY`; `Error` for a malformed hash.
   */
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Like {@link PasswordHasher.verify}, but for a user who may not exist: without a hash it verifies
   * against a dummy one and answers `false`, so "no such user" costs what "wrong password" costs.
   */
  verifyUser(hash: string | null | undefined, password: string): Promise<boolean>;
  /** Whether a stored hash was made with other parameters than the current ones. */
  needsRehash(hash: string): boolean;
  /**
   * Verifies, and when the password is right but the hash is outdated, also returns a new hash to
   * store in its place.
   */
  verifyAndRehash(hash: string, password: string): Promise<RehashResult>;
}

/** The argon2id parameters a hash is made with. */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** An argon2 implementation. Both write and read the same PHC strings, so hashes move between them. */
export interface Argon2 {
  /** An argon2id (v1.3) PHC string of `password` with a random 16-byte salt and a 32-byte digest. */
  hash(password: string, params: Argon2Params): Promise<string>;
  /** Whether `password` matches the PHC string `hash`; rejects when `hash` is not one. */
  verify(hash: string, password: string): Promise<boolean>;
  /** How many hashes can run at the same time: `maxConcurrent`'s default, at most 4. */
  cpus(): number;
}

const encoder = new TextEncoder();

/** A {@link PasswordHasher} over `argon2`, with the options checked here. */
export function passwordHasher(argon2: Argon2, options: PasswordHasherOptions): PasswordHasher {
  checkOptionsObject('createPasswordHasher', options);
  checkOptionNames('createPasswordHasher', options, OPTION_NAMES);
  const params: Argon2Params = {
    memoryCost: options.memoryCost ?? 19456,
    timeCost: options.timeCost ?? 2,
    parallelism: options.parallelism ?? 1,
  };
  const maxBytes = options.maxPasswordBytes ?? 1024;
  const normalize = options.normalize ?? 'NFKC';
  const maxConcurrent = options.maxConcurrent ?? Math.min(4, argon2.cpus());
  const maxQueue = options.maxQueue ?? 64;
  const retryAfter = options.retryAfter ?? 1;
  const whole = { ...params, maxPasswordBytes: maxBytes, maxConcurrent, maxQueue, retryAfter };
  for (const [name, value] of Object.entries(whole)) {
    const least = name === 'maxQueue' || name === 'retryAfter' ? 0 : 1;
    if (!Number.isInteger(value) || value < least) {
      throw new RangeError(`createPasswordHasher: ${name} must be a whole number${least === 1 ? ' of at least 1' : ''}`);
    }
  }
  if (normalize !== 'NFC' && normalize !== 'NFKC' && normalize !== false) {
    throw new TypeError("createPasswordHasher: normalize must be 'NFKC', 'NFC' or false");
  }
  const gate = new ConcurrencyGate(maxConcurrent, maxQueue, retryAfter);

  const prepare = (password: string): string => {
    if (typeof password !== 'string') throw new TypeError('password must be a string');
    // Normalisation shrinks a string by a factor of 3 at most (Hangul jamo), so a string this long is
    // refused before it is even normalised.
    if (password.length > 4 * maxBytes) throw new AuthError('ERR_PASSWORD_TOO_LONG');
    const normalized = normalize === false ? password : password.normalize(normalize);
    if (encoder.encode(normalized).byteLength > maxBytes) throw new AuthError('ERR_PASSWORD_TOO_LONG');
    return normalized;
  };
  const hash = async (password: string): Promise<string> => {
    const input = prepare(password);
    return gate.run(() => argon2.hash(input, params));
  };
  const verify = async (stored: string, password: string): Promise<boolean> => {
    const input = prepare(password);
    return gate.run(() => argon2.verify(stored, input));
  };
  // Verifying costs the same whatever digest a hash holds, so the dummy needs no hashing to make:
  // the current parameters with a random salt and digest, which no password matches in practice. Made
  // on first use: a Worker creates its hasher at start-up, where workerd allows no random values.
  const random = (bytes: number): Uint8Array => crypto.getRandomValues(new Uint8Array(bytes));
  let dummy: string | undefined;

  const hasher: PasswordHasher = {
    hash,
    verify,
    async verifyUser(stored, password) {
      if (stored) return verify(stored, password);
      await verify((dummy ??= formatArgon2idPhc(params, random(16), random(32))), password);
      return false;
    },
    needsRehash(stored) {
      const used = typeof stored === 'string' ? parseArgon2Phc(stored) : undefined;
      return (
        used === undefined ||
        used.algorithm !== 'argon2id' ||
        used.version !== 0x13 ||
        used.memoryCost !== params.memoryCost ||
        used.timeCost !== params.timeCost ||
        used.parallelism !== params.parallelism
      );
    },
    async verifyAndRehash(stored, password) {
      const valid = await verify(stored, password);
      if (!valid || !hasher.needsRehash(stored)) return { valid };
      return { valid, rehashed: await hash(password) };
    },
  };
  return hasher;
}
