/**
 * `gatepass/password` where no native addon loads (workerd, edge runtimes, browsers): the package's
 * `exports` conditions `workerd`, `edge-light`, `worker` and `browser` select this build. Same API and
 * the same PHC strings as the native one, computed by `@noble/hashes` (JavaScript, no WebAssembly: it
 * needs nothing from the bundler). A hash takes about fifteen times the native addon's CPU time: see
 * docs/runtimes.md.
 *
 * @module
 */
import { argon2dAsync, argon2iAsync, argon2idAsync } from '@noble/hashes/argon2.js';
import { passwordHasher, type Argon2, type PasswordHasher, type PasswordHasherOptions } from './passwords/hasher.js';
import { formatArgon2idPhc, parseArgon2Phc } from './passwords/phc.js';

export type { PasswordHasher, PasswordHasherOptions, RehashResult } from './passwords/hasher.js';

const derive = { argon2d: argon2dAsync, argon2i: argon2iAsync, argon2id: argon2idAsync };

/** Compares in time that depends on the lengths only, never on where the bytes differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** argon2 in JavaScript: the async variant yields to the event loop between slices of work. */
const portableArgon2: Argon2 = {
  async hash(password, params) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const digest = await argon2idAsync(password, salt, { m: params.memoryCost, t: params.timeCost, p: params.parallelism, dkLen: 32 });
    return formatArgon2idPhc(params, salt, digest);
  },
  async verify(stored, password) {
    const phc = parseArgon2Phc(stored);
    if (phc === undefined) throw new Error('not an argon2 hash in the PHC string format');
    const { algorithm, version, memoryCost: m, timeCost: t, parallelism: p, salt, digest } = phc;
    return equalBytes(await derive[algorithm](password, salt, { m, t, p, version, dkLen: digest.length }), digest);
  },
  // One JavaScript thread computes every hash.
  cpus: () => 1,
};

/**
 * Creates an argon2id password hasher with OWASP's minimum parameters by default (m=19 MiB, t=2,
 * p=1), a bound on concurrent hashes with a queue, a maximum password length and a dummy
 * verification for unknown users. This is the build for runtimes without native addons; its hashes
 * verify on the native one and the reverse.
 *
 * @example
 * ```ts
 * import { createPasswordHasher } from 'gatepass/password';
 *
 * const passwords = createPasswordHasher();
 * const stored = await passwords.hash('secret');
 * await passwords.verify(stored, 'secret'); // true
 * ```
 * @throws `TypeError` for an unknown option or an invalid `normalize`; `RangeError` for a number that is
 * not a whole number in range.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  return passwordHasher(portableArgon2, options);
}
