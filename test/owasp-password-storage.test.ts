// OWASP Password Storage Cheat Sheet: argon2id with m=19 MiB, t=2, p=1 as the minimum; plus the
// limits that keep hashing from taking the server down. Real argon2 throughout, on both builds of
// gatepass/password: the native addon (Node, Bun, Deno) and the JavaScript one (workerd, edge runtimes).
import { parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../src/index.js';
import { createPasswordHasher as nativeHasher } from '../src/password.js';
import { createPasswordHasher as portableHasher } from '../src/password-portable.js';

describe.each([
  { build: 'native', createPasswordHasher: nativeHasher },
  { build: 'portable', createPasswordHasher: portableHasher },
])('$build', ({ createPasswordHasher }) => {
  // Where the parameters do not matter, cheap ones: the JavaScript build takes about fifteen times as long.
  const cheap = { memoryCost: 1024, timeCost: 1 };

  describe('hash', () => {
    const passwords = createPasswordHasher(cheap);

    it('uses argon2id with OWASP parameters by default', async () => {
      const owasp = createPasswordHasher();
      const hash = await owasp.hash('secret');
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      expect(await owasp.hash('secret')).not.toBe(hash);
      expect(await owasp.verify(hash, 'secret')).toBe(true);
    });

    it('verifies the right password and only the right password', async () => {
      const hash = await passwords.hash('correct horse');
      expect(await passwords.verify(hash, 'correct horse')).toBe(true);
      expect(await passwords.verify(hash, 'correct horse ')).toBe(false);
      expect(await passwords.verify(hash, '')).toBe(false);
    });

    it('normalises Unicode (NFKC) so composed and decomposed spellings match, unless told not to', async () => {
      const composed = 'caf\u00e9';
      const decomposed = 'cafe\u0301';
      expect(await passwords.verify(await passwords.hash(composed), decomposed)).toBe(true);
      const raw = createPasswordHasher({ normalize: false, memoryCost: 1024, timeCost: 1 });
      expect(await raw.verify(await raw.hash(composed), decomposed)).toBe(false);
    });

    it('refuses a password over the maximum before hashing it', async () => {
      const small = createPasswordHasher({ ...cheap, maxPasswordBytes: 8 });
      await expect(small.hash('12345678')).resolves.toMatch(/^\$argon2id\$/);
      for (const tooLong of ['123456789', 'ééééé', 'x'.repeat(1_000_000)]) {
        const err = await small.hash(tooLong).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AuthError);
        expect((err as AuthError).code).toBe('ERR_PASSWORD_TOO_LONG');
        expect((err as AuthError).message).not.toContain(tooLong.slice(0, 8));
      }
      await expect(small.verify('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA', '123456789')).rejects.toMatchObject({
        code: 'ERR_PASSWORD_TOO_LONG',
      });
    });

    it('validates its options', () => {
      expect(() => createPasswordHasher({ memoryCost: 1.5 })).toThrow(RangeError);
      expect(() => createPasswordHasher({ maxQueue: -1 })).toThrow(RangeError);
    });
  });

  describe('unknown users', () => {
    it('verifyUser pays for one real argon2id verification with the current parameters when there is no hash', async () => {
      const passwords = createPasswordHasher({ memoryCost: 4096, timeCost: 3 });
      const hash = await passwords.hash('secret');
      expect(await passwords.verifyUser(hash, 'secret')).toBe(true);
      expect(await passwords.verifyUser(hash, 'wrong')).toBe(false);
      expect(await passwords.verifyUser(undefined, 'secret')).toBe(false);
      expect(await passwords.verifyUser(null, '')).toBe(false);
    });

    it('does real argon2 work for an unknown user: the dummy verification holds a hashing slot', async () => {
      // Timing itself belongs in bench/, not in a test; here the work is shown by its effect: with one
      // slot and no queue, a hash started while the dummy verification runs is refused.
      const passwords = createPasswordHasher({ ...cheap, maxConcurrent: 1, maxQueue: 0 });
      const unknown = passwords.verifyUser(undefined, 'secret');
      await expect(passwords.hash('other')).rejects.toMatchObject({ code: 'ERR_BUSY' });
      expect(await unknown).toBe(false);
      await expect(passwords.hash('other')).resolves.toMatch(/^\$argon2id\$/);
    });
  });

  describe('rehash when parameters change', () => {
    it('tells outdated hashes apart and upgrades them on a successful verification', async () => {
      const old = createPasswordHasher(cheap);
      const current = createPasswordHasher({ memoryCost: 2048, timeCost: 2 });
      const oldHash = await old.hash('secret');
      expect(current.needsRehash(oldHash)).toBe(true);
      expect(old.needsRehash(oldHash)).toBe(false);
      expect(current.needsRehash('not a hash')).toBe(true);

      expect(await current.verifyAndRehash(oldHash, 'wrong')).toEqual({ valid: false });
      const upgraded = await current.verifyAndRehash(oldHash, 'secret');
      expect(upgraded.valid).toBe(true);
      expect(parseOptions(upgraded.rehashed as string)).toMatchObject({ memoryCost: 2048, timeCost: 2, parallelism: 1 });
      expect(await current.verify(upgraded.rehashed as string, 'secret')).toBe(true);

      const fresh = await current.hash('secret');
      expect(await current.verifyAndRehash(fresh, 'secret')).toEqual({ valid: true });
    });
  });

  describe('bounded concurrency', () => {
    it('runs at most maxConcurrent hashes, queues maxQueue more, and refuses the rest with 503', async () => {
      const passwords = createPasswordHasher({ ...cheap, maxConcurrent: 1, maxQueue: 2, retryAfter: 3 });
      const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => passwords.hash(`pw${n}`)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
      const refused = (results[3] as PromiseRejectedResult).reason as AuthError;
      expect([refused.code, refused.status, refused.headers]).toEqual(['ERR_BUSY', 503, { 'Retry-After': '3' }]);
      // The gate reopens once the queue drains.
      await expect(passwords.verify(await passwords.hash('again'), 'again')).resolves.toBe(true);
    });

    it('frees its slot when a hash fails', async () => {
      const passwords = createPasswordHasher({ ...cheap, maxConcurrent: 1, maxQueue: 0 });
      await expect(passwords.verify('$argon2id$broken', 'x')).rejects.toThrow();
      await expect(passwords.hash('x')).resolves.toMatch(/^\$argon2id\$/);
    });
  });
});
