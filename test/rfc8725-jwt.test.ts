// RFC 7519 (JWT) tokens issued and verified per RFC 8725 (JWT best current practices), with RFC 9068's
// optional `typ`. Test tokens are minted with jose directly; time is frozen where expiry matters.
import { base64url, calculateJwkThumbprint, errors, exportSPKI, generateKeyPair, SignJWT, decodeProtectedHeader, decodeJwt, type JWTPayload } from 'jose';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BearerError, createTokens, tokenResponse, type AuthErrorCode } from '../src/index.js';
import { rejection } from './support/rejection.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const key = new TextEncoder().encode(SECRET);
const NOW = new Date('2026-01-01T00:00:00Z');
const now = NOW.getTime() / 1000;

function freezeTime(): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
}
afterEach(() => {
  vi.useRealTimers();
});

function mint(payload: JWTPayload, header: Record<string, unknown> = {}, secret: Uint8Array = key): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...header }).sign(secret);
}

const failure = (verify: Promise<unknown>): Promise<BearerError> => rejection(verify, BearerError);

async function codeOf(verify: Promise<unknown>): Promise<AuthErrorCode> {
  const err = await failure(verify);
  expect(err.status).toBe(401);
  expect(err.oauthError).toBe('invalid_token');
  return err.code;
}

describe('issue', () => {
  it('signs an HS256 token with sub, iat, exp and scope', async () => {
    freezeTime();
    const issued = await createTokens({ secret: SECRET }).issue('johndoe', { scopes: ['me', 'items'] });
    // kid: the RFC 7638 thumbprint of the secret as an `oct` JWK.
    const kid = await calculateJwkThumbprint({ kty: 'oct', k: base64url.encode(SECRET) });
    expect(decodeProtectedHeader(issued.token)).toEqual({ alg: 'HS256', kid });
    expect(decodeJwt(issued.token)).toEqual({ sub: 'johndoe', iat: now, exp: now + 1800, scope: 'me items' });
    expect(issued.expiresIn).toBe(1800);
    expect(issued.scopes).toEqual(['me', 'items']);
  });

  it('omits scope when none was granted and sets iss, aud, typ and jti when configured', async () => {
    const tokens = createTokens({ secret: SECRET, issuer: 'https://id.test', audience: 'api', typ: 'at+jwt', jti: true });
    const { token } = await tokens.issue('johndoe');
    const claims = decodeJwt(token);
    expect(claims).not.toHaveProperty('scope');
    expect(claims).toMatchObject({ iss: 'https://id.test', aud: 'api' });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid: expect.stringMatching(/^[\w-]{43}$/), typ: 'at+jwt' });
  });

  it('adds extra claims but keeps the registered ones its own', async () => {
    freezeTime();
    const { token } = await createTokens({ secret: SECRET }).issue('johndoe', {
      claims: { tenant: 't1', sub: 'mallory', exp: 9999999999 },
      expiresIn: 60,
    });
    expect(decodeJwt(token)).toEqual({ tenant: 't1', sub: 'johndoe', iat: now, exp: now + 60 });
  });

  it('refuses an empty subject', async () => {
    await expect(createTokens({ secret: SECRET }).issue('')).rejects.toThrow(TypeError);
  });
});

describe('verify', () => {
  const tokens = createTokens({ secret: SECRET });

  it('round-trips an issued token', async () => {
    const { token } = await tokens.issue('johndoe', { scopes: ['me'] });
    expect(await tokens.verify(token)).toMatchObject({ sub: 'johndoe', scope: 'me' });
  });

  it('refuses an expired token, with jose\'s error as cause (RFC 7519 §4.1.4)', async () => {
    freezeTime();
    const token = await mint({ sub: 'johndoe', iat: now - 100, exp: now - 1 });
    const err = await failure(tokens.verify(token));
    expect(err.code).toBe('ERR_TOKEN_EXPIRED');
    expect(err.cause).toBeInstanceOf(errors.JWTExpired);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="The access token expired"');
  });

  it('accepts a token right up to exp, and within the clock tolerance after it', async () => {
    freezeTime();
    const token = await mint({ sub: 'johndoe', exp: now + 1 });
    await expect(tokens.verify(token)).resolves.toMatchObject({ sub: 'johndoe' });
    const late = await mint({ sub: 'johndoe', exp: now - 5 });
    await expect(createTokens({ secret: SECRET, clockTolerance: 10 }).verify(late)).resolves.toMatchObject({ sub: 'johndoe' });
  });

  it('refuses a token that is not yet valid (nbf) or issued in the future (iat)', async () => {
    freezeTime();
    expect(await codeOf(tokens.verify(await mint({ sub: 'johndoe', exp: now + 60, nbf: now + 30 })))).toBe('ERR_TOKEN_CLAIM');
    const future = await failure(tokens.verify(await mint({ sub: 'johndoe', exp: now + 600, iat: now + 300 })));
    expect([future.code, future.claim]).toEqual(['ERR_TOKEN_CLAIM', 'iat']);
  });

  it('requires exp by default, and only by default', async () => {
    const token = await mint({ sub: 'johndoe' });
    const err = await failure(tokens.verify(token));
    expect([err.code, err.claim]).toEqual(['ERR_TOKEN_CLAIM', 'exp']);
    await expect(createTokens({ secret: SECRET, requireExpiry: false }).verify(token)).resolves.toMatchObject({ sub: 'johndoe' });
  });

  it.each([
    ['missing', {}],
    ['a number', { sub: 42 }],
    ['empty', { sub: '' }],
    ['an object', { sub: { id: 'johndoe' } }],
  ])('refuses a token whose sub is %s', async (_name, claims) => {
    freezeTime();
    const err = await failure(tokens.verify(await mint({ exp: now + 60, ...claims } as JWTPayload)));
    expect([err.code, err.claim]).toEqual(['ERR_TOKEN_CLAIM', 'sub']);
  });

  // JSON.parse reads `1e999` as Infinity: jose takes it for a number, so `exp` would never come.
  it.each([
    [`{"sub":"johndoe","exp":1e999}`, 'ERR_TOKEN_CLAIM', 'exp'],
    [`{"sub":"johndoe","iat":-1e999,"exp":${now + 60}}`, 'ERR_TOKEN_CLAIM', 'iat'],
    [`{"sub":"johndoe","nbf":-1e999,"exp":${now + 60}}`, 'ERR_TOKEN_CLAIM', 'nbf'],
    // jose's own expiry check sees -Infinity first.
    [`{"sub":"johndoe","exp":-1e999}`, 'ERR_TOKEN_EXPIRED', 'exp'],
  ])('refuses non-finite time claims: %s', async (payload, code, claim) => {
    freezeTime();
    const input = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
    const err = await failure(tokens.verify(token));
    expect([err.code, err.claim]).toEqual([code, claim]);
  });

  it('refuses a non-string scope claim', async () => {
    const err = await failure(tokens.verify(await mint({ sub: 'johndoe', exp: Date.now() / 1000 + 60, scope: ['me'] })));
    expect([err.code, err.claim]).toEqual(['ERR_TOKEN_CLAIM', 'scope']);
  });

  it('refuses a bad signature and a token signed with another key', async () => {
    const { token } = await tokens.issue('johndoe');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const err = await failure(tokens.verify(flipped));
    expect(err.code).toBe('ERR_TOKEN_SIGNATURE');
    expect(err.cause).toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    const other = await mint({ sub: 'johndoe', exp: now + 1e9 }, {}, new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'));
    expect(await codeOf(tokens.verify(other))).toBe('ERR_TOKEN_SIGNATURE');
  });

  describe('algorithms (RFC 8725 §3.1)', () => {
    it('refuses alg "none"', async () => {
      const none = `${btoa('{"alg":"none"}').replace(/=+$/, '')}.${btoa('{"sub":"johndoe"}').replace(/=+$/, '')}.`;
      const err = await failure(tokens.verify(none.replace(/\+/g, '-').replace(/\//g, '_')));
      expect(err.code).toBe('ERR_TOKEN_ALGORITHM');
    });

    it('refuses an HMAC algorithm outside the allowlist, even with the right secret', async () => {
      const hs512 = await new SignJWT({ sub: 'johndoe', exp: now + 1e9 }).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(SECRET.repeat(2)));
      expect(await codeOf(tokens.verify(hs512))).toBe('ERR_TOKEN_ALGORITHM');
    });

    it('verifies every allowlisted algorithm with its own key', async () => {
      const long = SECRET.repeat(2);
      const both = createTokens({ secret: long, algorithm: 'HS512', algorithms: ['HS256', 'HS512'] });
      const hs256 = await mint({ sub: 'a', exp: now + 1e9 }, {}, new TextEncoder().encode(long));
      await expect(both.verify(hs256)).resolves.toMatchObject({ sub: 'a' });
      const { token } = await both.issue('b');
      expect(decodeProtectedHeader(token).alg).toBe('HS512');
      await expect(both.verify(token)).resolves.toMatchObject({ sub: 'b' });
    });

    it('verifies RS256 with a public key and refuses an HS256 token made with that public key (algorithm confusion)', async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(publicKey);
      const rs = createTokens({ privateKey, publicKey: pem, algorithm: 'RS256' });
      const { token } = await rs.issue('johndoe');
      await expect(rs.verify(token)).resolves.toMatchObject({ sub: 'johndoe' });
      const forged = await mint({ sub: 'admin', exp: now + 1e9 }, {}, new TextEncoder().encode(pem));
      expect(await codeOf(rs.verify(forged))).toBe('ERR_TOKEN_ALGORITHM');
    });

    it('refuses unknown algorithm names at setup, "none" included', () => {
      expect(() => createTokens({ secret: SECRET, algorithms: ['HS256', 'none' as never] })).toThrow(TypeError);
      expect(() => createTokens({ secret: SECRET, algorithm: 'HS257' as never })).toThrow(TypeError);
    });

    it('refuses key and algorithm mismatches at setup', () => {
      expect(() => createTokens({ secret: SECRET, algorithm: 'RS256' })).toThrow(TypeError);
      expect(() => createTokens({ secret: SECRET, algorithms: ['HS256', 'ES256'] })).toThrow(TypeError);
      expect(() => createTokens({ publicKey: 'x', algorithms: ['HS256'] })).toThrow(TypeError);
      expect(() => createTokens({})).toThrow(TypeError);
      expect(() => createTokens({ secret: SECRET, algorithms: [] })).toThrow(TypeError);
    });

    it('refuses an HMAC secret shorter than the hash (RFC 7518 §3.2)', () => {
      expect(() => createTokens({ secret: 'x'.repeat(31) })).toThrow(RangeError);
      expect(() => createTokens({ secret: 'x'.repeat(32), algorithm: 'HS512' })).toThrow(RangeError);
      expect(() => createTokens({ secret: new Uint8Array(32) })).not.toThrow();
    });
  });

  it('refuses unknown crit header parameters', async () => {
    // jose will not sign an unknown crit, so this one is signed by hand.
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'HS256', crit: ['urn:example:unknown'], 'urn:example:unknown': true })}.${part({ sub: 'johndoe', exp: now + 1e9 })}`;
    const token = `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_UNSUPPORTED');
  });

  it('checks iss, aud and typ when configured', async () => {
    const strict = createTokens({ secret: SECRET, issuer: 'https://id.test', audience: ['api', 'admin'], typ: 'at+jwt' });
    const good = { sub: 'johndoe', exp: now + 1e9, iss: 'https://id.test', aud: 'api' };
    await expect(strict.verify(await mint(good, { typ: 'at+jwt' }))).resolves.toMatchObject({ sub: 'johndoe' });
    await expect(strict.verify(await mint(good, { typ: 'application/at+jwt' }))).resolves.toMatchObject({ sub: 'johndoe' });
    const claimOf = async (payload: JWTPayload, header: Record<string, unknown> = { typ: 'at+jwt' }) =>
      (await failure(strict.verify(await mint(payload, header)))).claim;
    expect(await claimOf({ ...good, iss: 'https://evil.test' })).toBe('iss');
    expect(await claimOf({ ...good, aud: 'other' })).toBe('aud');
    expect(await claimOf(good, { typ: 'JWT' })).toBe('typ');
    expect(await claimOf(good, {})).toBe('typ');
  });

  it.each([
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['padding', 'eyJhbGciOiJIUzI1NiJ9=.eyJzdWIiOiJ4In0.c2ln'],
    ['standard base64 characters', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0+.c2ln'],
    ['an impossible segment length', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnX'],
    ['garbage JSON', `${btoa('{not json').replace(/=+$/, '')}.e30.c2ln`],
    ['an empty string', ''],
  ])('refuses a malformed token: %s', async (_name, token) => {
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('refuses a re-spelled signature (non-zero trailing bits): one token, one spelling', async () => {
    const { token } = await tokens.issue('johndoe');
    // 32 HMAC bytes → 43 base64url characters: the last one carries 2 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1) as string);
    const respelled = token.slice(0, -1) + alphabet[last | 1];
    expect(await codeOf(tokens.verify(respelled))).toBe('ERR_TOKEN_MALFORMED');
    // A trailing "=" that jose would tolerate is refused too.
    expect(await codeOf(tokens.verify(`${token}=`))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('refuses an oversized token before decoding it', async () => {
    const small = createTokens({ secret: SECRET, maxTokenLength: 100 });
    const { token } = await small.issue('johndoe');
    const err = await failure(small.verify(token));
    expect(err.code).toBe('ERR_TOKEN_TOO_LARGE');
    expect(err.cause).toBeUndefined();
  });

  it('never puts the token in the error', async () => {
    const { token } = await tokens.issue('johndoe');
    const err = await failure(tokens.verify(`${token.slice(0, -2)}AA`));
    expect(JSON.stringify([err.message, err.headers, err.body, String(err)])).not.toContain(token.split('.')[1]);
  });
});

describe('revocation hook', () => {
  it('is consulted after the signature, with the claims', async () => {
    const seen: string[] = [];
    const tokens = createTokens({
      secret: SECRET,
      jti: () => 'id-1',
      isRevoked: (claims) => {
        seen.push(claims.jti ?? '');
        return claims.sub === 'revoked';
      },
    });
    await expect(tokens.verify((await tokens.issue('johndoe')).token)).resolves.toMatchObject({ sub: 'johndoe' });
    expect(await codeOf(tokens.verify((await tokens.issue('revoked')).token))).toBe('ERR_TOKEN_REVOKED');
    const forged = await mint({ sub: 'x', exp: now + 1e9 }, {}, new TextEncoder().encode('z'.repeat(32)));
    await failure(tokens.verify(forged));
    expect(seen).toEqual(['id-1', 'id-1']);
  });

  it('fails closed with a 503 when the hook does not answer in time', async () => {
    const tokens = createTokens({ secret: SECRET, hookTimeout: 30, isRevoked: () => new Promise<boolean>(() => {}) });
    const err = await failure(tokens.verify((await tokens.issue('johndoe')).token));
    expect([err.code, err.status, err.headers]).toEqual(['ERR_HOOK_TIMEOUT', 503, { 'Retry-After': '1' }]);
  });

  it('fails closed with a 500 when the hook throws', async () => {
    const tokens = createTokens({ secret: SECRET, isRevoked: async () => Promise.reject(new Error('redis down')) });
    const err = await failure(tokens.verify((await tokens.issue('johndoe')).token));
    expect([err.code, err.status, err.body]).toEqual(['ERR_HOOK_FAILED', 500, { detail: 'Internal Server Error' }]);
    // The hook's exception is not the cause: loggers walk cause chains (the engine's onError gets it).
    expect(err.cause).toBeUndefined();
  });
});

describe('RFC 6749 §5.1 token response', () => {
  it('has the access token, type, lifetime and no-store headers', async () => {
    const issued = await createTokens({ secret: SECRET }).issue('johndoe');
    expect(tokenResponse(issued)).toEqual({
      status: 200,
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      body: { access_token: issued.token, token_type: 'bearer', expires_in: 1800 },
    });
  });

  it('reports scope when granted, and when the grant differs from the request (§3.3)', async () => {
    const tokens = createTokens({ secret: SECRET });
    expect(tokenResponse(await tokens.issue('a', { scopes: ['me'] }), ['me']).body.scope).toBe('me');
    expect(tokenResponse(await tokens.issue('a', { scopes: ['me'] }), ['me', 'items']).body.scope).toBe('me');
    expect(tokenResponse(await tokens.issue('a'), ['items']).body.scope).toBe('');
    expect(tokenResponse(await tokens.issue('a'), []).body).not.toHaveProperty('scope');
  });
});
