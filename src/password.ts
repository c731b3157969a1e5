/**
 * Password hashing with argon2id, exported from `gatepass/password` so that the main entry stays free
 * of native code. On Node, Bun and Deno it runs `@node-rs/argon2` (a native addon); on workerd and edge
 * runtimes, which load no native code, the package's `exports` conditions select a JavaScript build of
 * the same API that writes and reads the same PHC strings.
 *
 * @module
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { passwordHasher, type Argon2, type PasswordHasher, type PasswordHasherOptions } from './passwords/hasher.js';

export type { PasswordHasher, PasswordHasherOptions, RehashResult } from './passwords/hasher.js';

const ARGON2ID = 2 as Algorithm.Argon2id;

/** argon2 from `@node-rs/argon2`: hashes on libuv's thread pool, off the event loop. */
const nativeArgon2: Argon2 = {
  hash: (password, { memoryCost, timeCost, parallelism }) => hash(password, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism }),
  verify: (stored, password) => verify(stored, password),
  cpus: availableParallelism,
};

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
 * @throws `TypeError` for an unknown option or an invalid `normalize`; `RangeError` for a number that is
 * not a whole number in range.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  return passwordHasher(nativeArgon2, options);
}
