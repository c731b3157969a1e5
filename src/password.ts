/**
 * Password hashing with argon2id (`@node-rs/argon2`), exported from `gatepass/password` so that the
 * main entry stays free of native code.
 *
 * @module
 */
import { hash as argon2Hash, parseOptions, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { AuthError } from './errors/auth-error.js';
import { ConcurrencyGate } from './lib/concurrency-gate.js';
import { checkOptionNames, checkOptionsObject } from './lib/options.js';

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
  /** Hashes computed at once; each holds `memoryCost` KiB. Default: the number of CPUs, at most 4. */
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

const ARGON2ID = 2 as Algorithm.Argon2id;
const VERSION_0X13 = 1;

/**
 * Creates an argon2id password hasher with OWASP's minimum parameters by default (m=19 MiB, t=2,
 * p=1), a bound on concurrent hashes with a queue, a maximum password length and a dummy
 * verification for unknown users.
 *
 * @example
 * ```ts
 * import { createPasswordHasher } from 'gatepass/password';
 *
 * const passwords = createPasswordHasher();
 * const stored = await passwords.hash('secret');
 * await passwords.verify(stored, 'secret'); // true
 * await passwords.verifyUser(undefined, 'secret'); // false, after as much work as a real check
 * ```
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  checkOptionsObject('createPasswordHasher', options);
  checkOptionNames('createPasswordHasher', options, OPTION_NAMES);
  const params = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryCost ?? 19456,
    timeCost: options.timeCost ?? 2,
    parallelism: options.parallelism ?? 1,
  };
  const maxBytes = options.maxPasswordBytes ?? 1024;
  const normalize = options.normalize ?? 'NFKC';
  const maxConcurrent = options.maxConcurrent ?? Math.min(4, availableParallelism());
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
    if (Buffer.byteLength(normalized) > maxBytes) throw new AuthError('ERR_PASSWORD_TOO_LONG');
    return normalized;
  };
  const hash = async (password: string): Promise<string> => {
    const input = prepare(password);
    return gate.run(() => argon2Hash(input, params));
  };
  const verify = async (stored: string, password: string): Promise<boolean> => {
    const input = prepare(password);
    return gate.run(() => argon2Verify(stored, input));
  };
  // Verifying costs the same whatever digest a hash holds, so the dummy needs no hashing to make:
  // the current parameters with a random salt and digest, which no password matches in practice.
  const random = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64').replace(/=+$/, '');
  const dummy = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$${random(16)}$${random(32)}`;

  const hasher: PasswordHasher = {
    hash,
    verify,
    async verifyUser(stored, password) {
      if (stored) return verify(stored, password);
      await verify(dummy, password);
      return false;
    },
    needsRehash(stored) {
      try {
        const used = parseOptions(stored);
        return (
          used.algorithm !== ARGON2ID ||
          used.version !== VERSION_0X13 ||
          used.memoryCost !== params.memoryCost ||
          used.timeCost !== params.timeCost ||
          used.parallelism !== params.parallelism
        );
      } catch {
        return true;
      }
    },
    async verifyAndRehash(stored, password) {
      const valid = await verify(stored, password);
      if (!valid || !hasher.needsRehash(stored)) return { valid };
      return { valid, rehashed: await hash(password) };
    },
  };
  return hasher;
}
