// The verified-token cache: a token of the app's own keys verified again is answered from memory, and
// the answer is the one a full verification would give. What the cache answers shows in the claims'
// identity: a kept token's claims are one frozen object, the same for every request; a full
// verification parses new ones. Time is frozen; keys change at run time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BearerError, createGatepass, createTokens, type AccessTokenClaims, type Tokens } from '../src/index.js';
import { freezeDate } from './support/frozen-date.js';
import { rejection } from './support/rejection.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const now = NOW.getTime() / 1000;
const SECRET = 'verified-cache-suite/HMAC-secret/0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const OTHER_SECRET = 'verified-cache-suite/HMAC-secret/another-one-of-at-least-32-bytes';

freezeDate(NOW);

const at = (seconds: number) => vi.setSystemTime(new Date((now + seconds) * 1000));
const failure = (verify: Promise<unknown>) => rejection(verify, BearerError);

/** A token signed with a secret of the set, by hand: any claims, any `exp`. */
function mint(claims: Record<string, unknown>, kid: string, secret = SECRET): Promise<string> {
  return new SignJWT({ sub: 'alice', iat: now, exp: now + 600, ...claims }).setProtectedHeader({ alg: 'HS256', kid }).sign(new TextEncoder().encode(secret));
}

/** Verifies a token three times: kept at the second verification, answered from the cache at the third. */
async function verifyThrice(tokens: Tokens, token: string): Promise<AccessTokenClaims[]> {
  return [await tokens.verify(token), await tokens.verify(token), await tokens.verify(token)];
}

describe('a token verified again', () => {
  it('is kept from its second verification on, and then answered with the same frozen claims', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }] });
    const token = await mint({ aud: ['api', 'admin'], profile: { name: 'Alice' } }, 'a');
    const [first, second, third] = await verifyThrice(tokens, token);
    expect(first).toEqual(second);
    expect(first).not.toBe(second);
    expect(third).toBe(second);
    expect(await tokens.verify(token)).toBe(second);
    for (const claims of [first, second]) {
      expect(Object.isFrozen(claims)).toBe(true);
      expect(Object.isFrozen(claims!.aud)).toBe(true);
      expect(Object.isFrozen(claims!.profile)).toBe(true);
    }
  });

  it('gives no caller a way to change what the next one gets', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }] });
    const token = await mint({ scope: 'me', aud: ['api'] }, 'a');
    const [, claims] = await verifyThrice(tokens, token);
    expect(() => {
      (claims as { scope?: string }).scope = 'admin';
    }).toThrow(TypeError);
    expect(() => (claims!.aud as string[]).push('admin')).toThrow(TypeError);
    expect(await tokens.verify(token)).toMatchObject({ scope: 'me', aud: ['api'] });
  });

  it('is verified in full once it has expired, and refused as a first verification refuses it', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], clockTolerance: 5 });
    const token = await mint({ exp: now + 10 }, 'a');
    const [, kept] = await verifyThrice(tokens, token);
    at(14);
    expect(await tokens.verify(token)).toBe(kept);
    at(15);
    const err = await failure(tokens.verify(token));
    expect([err.code, err.claim]).toEqual(['ERR_TOKEN_EXPIRED', 'exp']);
    expect(err.cause).toBeInstanceOf(errors.JWTExpired);
  });

  it('is verified in full when the clock goes back before its nbf or iat', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }] });
    const notBefore = await mint({ nbf: now }, 'a');
    const issued = await mint({ iat: now }, 'a');
    await verifyThrice(tokens, notBefore);
    await verifyThrice(tokens, issued);
    at(-10);
    expect([(await failure(tokens.verify(notBefore))).claim, (await failure(tokens.verify(issued))).claim]).toEqual(['nbf', 'iat']);
  });

  it('is still checked against revocations and isRevoked on every request', async () => {
    const isRevoked = vi.fn((claims: AccessTokenClaims) => claims.jti === 'revoked-by-the-app');
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], isRevoked });
    const token = await mint({ jti: 'one' }, 'a');
    await verifyThrice(tokens, token);
    expect(isRevoked).toHaveBeenCalledTimes(3);
    await tokens.revoke(token);
    expect((await failure(tokens.verify(token))).code).toBe('ERR_TOKEN_REVOKED');
    const other = await mint({ jti: 'revoked-by-the-app' }, 'a');
    for (let i = 0; i < 3; i++) expect((await failure(tokens.verify(other))).code).toBe('ERR_TOKEN_REVOKED');
  });

  it('keeps a token whose sub gatepass refuses, and refuses it every time as the first time', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }] });
    const token = await mint({ sub: '' }, 'a');
    for (let i = 0; i < 3; i++) expect((await failure(tokens.verify(token))).claim).toBe('sub');
  });
});

describe('when the keys change', () => {
  it('forgets every token when a key is removed: its tokens are refused at once', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }, { kid: 'b', secret: OTHER_SECRET }] });
    const token = await mint({}, 'a');
    await verifyThrice(tokens, token);
    tokens.keys.remove('a');
    expect((await failure(tokens.verify(token))).code).toBe('ERR_TOKEN_KEY_UNKNOWN');
  });

  it.each([
    ['added', (tokens: Tokens) => tokens.keys.add({ kid: 'c', secret: 'verified-cache-suite/a-third-secret-of-32-bytes-or-more' })],
    ['activated', (tokens: Tokens) => tokens.keys.activate('b')],
    ['retired', (tokens: Tokens) => tokens.keys.retire('b')],
  ])('forgets every token when a key is %s', async (_change, change) => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }, { kid: 'b', secret: OTHER_SECRET }] });
    const token = await mint({}, 'a');
    const [, kept] = await verifyThrice(tokens, token);
    await change(tokens);
    const again = await tokens.verify(token);
    expect(again).toEqual(kept);
    expect(again).not.toBe(kept);
  });

  it('forgets every token when a retired key leaves by itself, however long its tokens say they live', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], expiresIn: 600 });
    // Signed elsewhere with the same key, to live for a day.
    const token = await mint({ exp: now + 86_400 }, 'a');
    await verifyThrice(tokens, token);
    await tokens.keys.add({ kid: 'b', secret: OTHER_SECRET });
    at(600);
    await verifyThrice(tokens, token);
    at(601);
    expect((await failure(tokens.verify(token))).code).toBe('ERR_TOKEN_KEY_UNKNOWN');
  });
});

describe('a trusted issuer\'s tokens', () => {
  let server: Server;
  let jwksUri: string;
  let privateKey: CryptoKey;
  const issuer = 'https://issuer.test';
  const audience = 'https://api.test';

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('are verified every time, their claims not kept', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], trustedIssuers: [{ issuer, audience, jwksUri }] });
    const token = await new SignJWT({ sub: 'svc', iss: issuer, aud: audience, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    const [first, second, third] = await verifyThrice(tokens, token);
    expect(third).toEqual(first);
    expect(new Set([first, second, third]).size).toBe(3);
    expect(Object.isFrozen(third)).toBe(false);
  });
});

describe('the bound and the option', () => {
  it('lets the least recently used tokens go when maxBytes is reached', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], verifiedTokenCache: { maxBytes: 8192 } });
    const first = await mint({ jti: 'first' }, 'a');
    const [, kept] = await verifyThrice(tokens, first);
    for (let i = 0; i < 20; i++) await verifyThrice(tokens, await mint({ jti: `other-${i}` }, 'a'));
    const again = await tokens.verify(first);
    expect(again).toEqual(kept);
    expect(again).not.toBe(kept);
  });

  it('keeps a token used often while others pass through', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], verifiedTokenCache: { maxBytes: 8192 } });
    const often = await mint({ jti: 'often' }, 'a');
    const [, kept] = await verifyThrice(tokens, often);
    for (let i = 0; i < 20; i++) {
      await verifyThrice(tokens, await mint({ jti: `other-${i}` }, 'a'));
      expect(await tokens.verify(often)).toBe(kept);
    }
  });

  it('is off with false: every verification is a full one and the claims are the caller\'s', async () => {
    const tokens = createTokens({ keys: [{ kid: 'a', secret: SECRET }], verifiedTokenCache: false });
    const claims = await verifyThrice(tokens, await mint({}, 'a'));
    expect(new Set(claims).size).toBe(3);
    expect(claims.some((c) => Object.isFrozen(c))).toBe(false);
  });

  it('is checked at start-up, by createTokens and createGatepass', () => {
    const base = { keys: [{ kid: 'a', secret: SECRET }] };
    expect(() => createTokens({ ...base, verifiedTokenCache: { maxbytes: 1 } as never })).toThrow(/verifiedTokenCache: unknown option maxbytes — did you mean maxBytes\?/);
    expect(() => createTokens({ ...base, verifiedTokenCache: { maxBytes: -1 } })).toThrow(RangeError);
    expect(() => createTokens({ ...base, verifiedTokenCache: { maxBytes: 1.5 } })).toThrow(RangeError);
    expect(() => createTokens({ ...base, verifiedTokenCache: 'yes' as never })).toThrow(/verifiedTokenCache: options must be an object/);
    expect(() => createTokens({ ...base, verifiedTokenCache: { maxBytes: 0 } })).not.toThrow();
    expect(() =>
      createGatepass({ ...base, verifiedTokenCache: { maxBytes: 1 << 20 }, verifyCredentials: () => null, resolveUser: () => null }),
    ).not.toThrow();
  });
});
