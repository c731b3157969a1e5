// Timing side channels, shown by the path each request takes rather than by a stopwatch (machines are
// noisy; timings belong in benchmarks).
//
// Where the secret comparisons happen, and why each is constant-time:
// - HMAC signatures of the app's own tokens: where the runtime has node:crypto (Node, Bun, Deno), gatepass
//   computes the MAC with `createHmac` and compares it with `timingSafeEqual` (src/tokens/node-verifier.ts),
//   once the lengths are known equal (a signature's length is public: its algorithm fixes it). Elsewhere
//   jose 6 checks them with WebCrypto `crypto.subtle.verify` (jose/dist/webapi/lib/jws_verify.js), which
//   compares the MAC inside the crypto library in constant time. The canonical-spelling check looks only
//   at the token's own shape (its length and last character), never at a secret.
// - The verified-token cache finds a token by a few characters of its signature and then compares the
//   whole token with the one it kept in time that depends on their lengths only.
// - Passwords: `@node-rs/argon2`'s `verify` recomputes the hash and compares it in Rust (the `argon2`
//   crate's `PasswordHash::verify_password`, which uses `subtle::ConstantTimeEq`). An unknown user is
//   verified against a dummy hash, so "no such user" runs the same argon2 work as "wrong password".
// - client_secret: gatepass parses it and hands it to verifyCredentials; it never compares it. Comparing
//   it is the app's job (with `crypto.timingSafeEqual`, or better, hashed like a password).
// - Everything else in src/ and adapters/: no `===`, `==`, `.equals`, `Buffer.compare` or
//   `.localeCompare` on secret material; checked below with a type-aware scan of the sources.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPasswordHasher } from '../../src/password.js';
import { adapters, serve } from '../support/adapters.js';
import { INVALID_GRANT, tokenError } from '../support/answers.js';
import { Barrier, CHEAP, PASSWORD, WRONG_PASSWORD, securityEngine } from '../support/engine.js';
import { expectAnswer, expectInvalidToken, expectTokenError, postForm, withBearer, type RawResponse } from '../support/raw-http.js';
import { findSecretComparisons, inMemoryProgram, repositoryProgram } from '../support/secret-comparisons.js';
import { claims, hmacToken } from '../support/tokens.js';

const BUSY = tokenError('temporarily_unavailable', 'Too many concurrent requests, retry later', 'Service temporarily unavailable');
const PASSWORD_TOO_LONG = tokenError('invalid_request', 'Password too long');

/** The response as bytes, without the one header that may differ between two identical answers. */
const withoutDate = (res: RawResponse): string => res.raw.replace(/^date: .*\r\n/gim, '');

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(adapters)('$name', (adapter) => {
  describe('an unknown user takes the same path as a wrong password', () => {
    // One hashing slot and no queue: whoever holds the slot makes a second, concurrent login a 503.
    let barrier = new Barrier();
    const app = serve(adapter, () =>
      securityEngine({
        passwords: createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 0 }),
        beforeVerify: (form) => barrier.hold(form),
      }).then((e) => e.auth),
    );

    /** Sends `first`, then `second` once `first` is waiting, and lets both go on in that order. */
    async function race(first: Record<string, string>, second: Record<string, string>): Promise<[RawResponse, RawResponse]> {
      barrier = new Barrier();
      const a = postForm(app(), first);
      await barrier.arrived(1);
      const b = postForm(app(), second);
      await barrier.arrived(2);
      barrier.release();
      return Promise.all([a, b]);
    }

    it.each([
      ['an unknown user', { username: 'nobody-at-all', password: PASSWORD }],
      ['a wrong password', { username: 'johndoe', password: WRONG_PASSWORD }],
    ])('%s holds the hashing slot: the login right behind it gets 503', async (_name, first) => {
      const [refused, behind] = await race(first, { username: 'johndoe', password: PASSWORD });
      expectTokenError(refused, 400, INVALID_GRANT);
      expectTokenError(behind, 503, BUSY, { 'Retry-After': '1' });
    });

    it('control: a login refused before hashing (password too long) leaves the slot free', async () => {
      const [refused, behind] = await race({ username: 'nobody-at-all', password: 'p'.repeat(1025) }, { username: 'johndoe', password: PASSWORD });
      expectTokenError(refused, 400, PASSWORD_TOO_LONG);
      expect(behind.status, behind.raw).toBe(200);
    });

    it('the answers to an unknown user and to a wrong password are byte-identical (but for Date)', async () => {
      const unknown = await postForm(app(), { username: 'nobody-at-all', password: WRONG_PASSWORD });
      const wrong = await postForm(app(), { username: 'johndoe', password: WRONG_PASSWORD });
      const wrongOther = await postForm(app(), { username: 'jos\u00e9', password: PASSWORD.slice(0, -1) });
      expectTokenError(unknown, 400, INVALID_GRANT);
      expect(withoutDate(wrong)).toBe(withoutDate(unknown));
      expect(withoutDate(wrongOther)).toBe(withoutDate(unknown));
    });
  });

  describe('HMAC signatures are compared by node:crypto timingSafeEqual, never with ===', () => {
    const app = serve(adapter, () => securityEngine().then((e) => e.auth));

    it('a genuine token and a forged one both go through createHmac with SHA-256 and timingSafeEqual', async () => {
      const genuine = hmacToken({ alg: 'HS256' }, claims());
      const forged = hmacToken({ alg: 'HS256' }, claims(), 'a guess at the secret, thirty-two bytes long');
      const nodeCrypto = process.getBuiltinModule('node:crypto');
      const hmac = vi.spyOn(nodeCrypto, 'createHmac');
      const compare = vi.spyOn(nodeCrypto, 'timingSafeEqual');
      const verify = vi.spyOn(crypto.subtle, 'verify');

      expectAnswer(await withBearer(app(), '/me', genuine), { status: 200, body: { sub: 'johndoe', scopes: [] } });
      expectInvalidToken(await withBearer(app(), '/me', forged), 'ERR_TOKEN_SIGNATURE');

      expect(hmac.mock.calls.map(([algorithm]) => algorithm)).toEqual(['sha256', 'sha256']);
      expect(compare.mock.results.map((result) => result.value)).toEqual([true, false]);
      expect(verify).not.toHaveBeenCalled();
    });
  });
});

describe('no secret is compared with ===, ==, .equals, Buffer.compare or .localeCompare', () => {
  it('the scan finds such comparisons, and only those (a check of the scan itself)', () => {
    const sample = `
      declare const stored: string; declare const computedHash: string; declare const secret: Uint8Array;
      declare const expected: Uint8Array; declare const hmac: boolean; declare const password: string;
      declare const token: string | undefined; declare const signature: Buffer; declare const clientId: string;
      if (stored === computedHash) {}
      if (secret == expected) {}
      if (password !== 'hunter2') {}
      if (signature.equals(expected)) {}
      if (Buffer.compare(signature, expected) === 0) {}
      if (token?.localeCompare(stored) === 0) {}
      if (token === undefined || token === '' || typeof password !== 'string') {}
      if (hmac === true || password.length === 3 || clientId === 'app') {}
    `;
    const findings = findSecretComparisons(inMemoryProgram('/virtual/sample.ts', sample), (file) => file === '/virtual/sample.ts');
    expect(findings.map((f) => f.text)).toEqual([
      'stored === computedHash',
      'secret == expected',
      "password !== 'hunter2'",
      'signature.equals(expected)',
      'Buffer.compare(signature, expected)',
      'token?.localeCompare(stored)',
    ]);
  });

  it('src/ and adapters/ (the code on the request path) hold none', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const program = repositoryProgram(`${root}tsconfig.json`);
    // src/cli is the command-line tool, not request-path code: its only comparison is `hash` asking for a
    // password twice at a terminal (two inputs of the same person, nothing an attacker can time).
    const onRequestPath = (file: string): boolean =>
      (file.startsWith(`${root}src/`) && !file.startsWith(`${root}src/cli/`)) || file.startsWith(`${root}adapters/`);
    expect(program.getSourceFiles().filter((source) => onRequestPath(source.fileName)).length).toBeGreaterThan(10);
    expect(findSecretComparisons(program, onRequestPath)).toEqual([]);
  });
});
