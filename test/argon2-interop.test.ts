// The two builds of gatepass/password compute the same argon2 (RFC 9106) and read and write the same PHC
// strings, so a hash made on Node verifies on workerd and the reverse: the native build runs @node-rs/argon2,
// the portable one @noble/hashes. Both directions here, in Node; test/workerd.test.ts runs the portable build
// in workerd itself.
import { hash as nodeRsHash, parseOptions, verify as nodeRsVerify, type Algorithm } from '@node-rs/argon2';
import { argon2id } from '@noble/hashes/argon2.js';
import { describe, expect, it } from 'vitest';
import { parseArgon2Phc } from '../src/passwords/phc.js';
import { createPasswordHasher as nativeHasher } from '../src/password.js';
import { createPasswordHasher as portableHasher } from '../src/password-portable.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
// @node-rs/argon2's const enum, which isolated modules cannot read.
const ARGON2D = 0 as Algorithm.Argon2d;
const ARGON2I = 1 as Algorithm.Argon2i;
const ARGON2ID = 2 as Algorithm.Argon2id;

describe('RFC 9106 §5.3: the argon2id test vector', () => {
  it('is what @noble/hashes computes (password, salt, secret, associated data; m=32 t=3 p=4)', () => {
    const tag = argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
      m: 32,
      t: 3,
      p: 4,
      key: new Uint8Array(8).fill(3),
      personalization: new Uint8Array(12).fill(4),
      dkLen: 32,
    });
    expect(hex(tag)).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
  });
});

// The empty password, multi-byte UTF-8, a decomposed accent (normalised to NFKC before hashing), the longest
// password accepted.
const PASSWORDS = ['', 'secret', 'pässwörd', 'пароль', '🔑 key', 'cafe\u0301', 'x'.repeat(1024)];
const cheap = { memoryCost: 1024, timeCost: 1 };

describe('hashes move between the builds', () => {
  const builds = [
    { made: 'native', checked: 'portable', make: nativeHasher(cheap), check: portableHasher(cheap) },
    { made: 'portable', checked: 'native', make: portableHasher(cheap), check: nativeHasher(cheap) },
  ];

  describe.each(builds)('made by the $made build, verified by the $checked one', ({ make, check }) => {
    it.each(PASSWORDS.map((password) => [password.length > 20 ? `${password.slice(0, 8)}… (${password.length})` : JSON.stringify(password), password]))(
      '%s',
      async (_name, password) => {
        const stored = await make.hash(password);
        expect(await check.verify(stored, password)).toBe(true);
        expect(await check.verify(stored, password === '' ? ' ' : password.slice(0, -1))).toBe(false);
        expect(check.needsRehash(stored)).toBe(false);
      },
    );
  });

  it('with OWASP parameters, both ways', async () => {
    const native = nativeHasher();
    const portable = portableHasher();
    expect(await portable.verify(await native.hash('correct horse'), 'correct horse')).toBe(true);
    expect(await native.verify(await portable.hash('correct horse'), 'correct horse')).toBe(true);
  });

  it('the portable build writes PHC strings that @node-rs/argon2 reads as its own', async () => {
    const stored = await portableHasher(cheap).hash('secret');
    expect(await nodeRsVerify(stored, 'secret')).toBe(true);
    expect(parseOptions(stored)).toMatchObject({ algorithm: ARGON2ID, version: 1, memoryCost: 1024, timeCost: 1, parallelism: 1 });
  });
});

describe('the portable build verifies what @node-rs/argon2 makes with other settings', () => {
  const portable = portableHasher(cheap);
  // Whether it is due for a rehash: all but the last are not argon2id v1.3 with the current parameters.
  it.each([
    ['argon2i', { algorithm: ARGON2I }, true],
    ['argon2d', { algorithm: ARGON2D }, true],
    ['version 0x10', { version: 0 }, true],
    ['two lanes', { parallelism: 2 }, true],
    ['a 64-byte digest and an 8-byte salt', { outputLen: 64, salt: Buffer.from('8 bytes!') }, false],
  ] as const)('%s', async (_name, options, rehash) => {
    const stored = await nodeRsHash('secret', { memoryCost: 1024, timeCost: 1, ...options });
    expect(await portable.verify(stored, 'secret')).toBe(true);
    expect(await portable.verify(stored, 'secret ')).toBe(false);
    expect(portable.needsRehash(stored)).toBe(rehash);
  });
});

describe('PHC strings', () => {
  it('are read as @node-rs/argon2 reads them', async () => {
    for (const stored of [await nodeRsHash('a'), await nodeRsHash('b', { algorithm: ARGON2I, memoryCost: 2048, timeCost: 3, parallelism: 2 })]) {
      const ours = parseArgon2Phc(stored);
      const theirs = parseOptions(stored);
      expect(ours).toMatchObject({ memoryCost: theirs.memoryCost, timeCost: theirs.timeCost, parallelism: theirs.parallelism, version: 19 });
      expect(Buffer.from(ours!.salt).toString('base64').replace(/=+$/, '')).toBe(stored.split('$')[4]);
    }
  });

  it('malformed or of another scheme: rejected by both builds, and due for a rehash', async () => {
    for (const stored of ['', 'not a hash', '$argon2id$broken', '$argon2id$v=19$m=1024,t=1,p=1$c2FsdA', '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$a', '$2b$10$abcdefghijklmnopqrstuv']) {
      for (const hasher of [nativeHasher(cheap), portableHasher(cheap)]) {
        await expect(hasher.verify(stored, 'secret'), stored).rejects.toThrow();
        expect(hasher.needsRehash(stored)).toBe(true);
      }
    }
  });
});
