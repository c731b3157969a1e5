// Key sets (RFC 7517, RFC 7638 kids): keys from PEM, JWK, KeyObject and secrets; the newest signs; a
// retired key verifies until its last token has expired and then leaves the set and its JWKS; a removed
// key's tokens are refused at once; the JWKS never holds private members or secrets. And the bounds on a
// remote JWKS: size, time, JSON, private members, and the cooldown, against a real loopback server.
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, calculateJwkThumbprint, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BearerError, createTokens, type KeySpec, type TokenAlgorithm, type Tokens } from '../src/index.js';
import { rejection } from './support/rejection.js';

const SECRET = 'keys-suite/HMAC-secret/3c5e7a9b-1d2f-4e6a-8b0c-2d4f6a8c0e1f';
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const pem = (key: KeyObject): string => key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();
function pairFor(alg: TokenAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  if (alg.startsWith('ES')) return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}
async function thumbprintOf(key: KeyObject): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(key));
}
const codeOf = async (verify: Promise<unknown>) => (await rejection(verify, BearerError)).code;

afterEach(() => {
  vi.useRealTimers();
});

describe('keys of every kind', () => {
  const asymmetric: TokenAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

  it.each(asymmetric)('%s from PEM, JWK and KeyObject: the RFC 7638 thumbprint as kid, public members only in the JWKS', async (alg) => {
    const { privateKey, publicKey } = pairFor(alg);
    const kid = await thumbprintOf(publicKey);
    const privateJwk = (await exportJWK(privateKey)) as JWK;
    const inputs: KeySpec[] = [
      { privateKey: pem(privateKey), alg },
      { privateKey: privateJwk, alg },
      { privateKey, alg },
      { privateKey: pem(privateKey), publicKey: pem(publicKey), alg },
    ];
    for (const spec of inputs) {
      const tokens = createTokens({ keys: [spec] });
      const { token } = await tokens.issue('johndoe');
      expect(decodeProtectedHeader(token)).toEqual({ alg, kid });
      expect((await tokens.verify(token)).sub).toBe('johndoe');
      const { keys } = tokens.keys.jwks();
      expect(keys).toEqual([{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }]);
      for (const member of PRIVATE) expect(keys[0]).not.toHaveProperty(member);
    }
    // A verification-only key (another service's): verifies, is published, never signs.
    const verifier = createTokens({ keys: [{ publicKey: pem(publicKey), alg }] });
    const signer = createTokens({ keys: [{ privateKey, alg }] });
    expect((await verifier.verify((await signer.issue('johndoe')).token)).sub).toBe('johndoe');
    await expect(verifier.issue('johndoe')).rejects.toThrow(/no key can sign tokens/);
  });

  it('never publishes an HMAC secret, and names it by the thumbprint of its oct JWK', async () => {
    const tokens = createTokens({ secret: SECRET });
    const { token } = await tokens.issue('johndoe');
    const kid = await calculateJwkThumbprint({ kty: 'oct', k: base64url.encode(SECRET) });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid });
    expect(tokens.keys.jwks()).toEqual({ keys: [] });
    expect(tokens.keys.list()).toEqual([{ kid, alg: 'HS256', signing: true, canSign: true }]);
  });

  it('takes a kid of the app’s choice, and refuses two keys with the same kid and algorithm', async () => {
    const tokens = createTokens({ keys: [{ secret: SECRET, kid: 'primary' }] });
    expect(decodeProtectedHeader((await tokens.issue('johndoe')).token).kid).toBe('primary');
    await expect(tokens.keys.add({ secret: `${SECRET}-2`, kid: 'primary' })).rejects.toThrow(/two keys have kid primary and algorithm HS256/);
  });

  it('refuses at start-up what cannot work, naming the key', async () => {
    const { privateKey } = pairFor('ES256');
    const other = pairFor('ES256');
    expect(() => createTokens({ keys: [{ privateKey: pem(privateKey) }] })).toThrow(/createTokens: keys\[0\]: give alg for this key/);
    expect(() => createTokens({ keys: [{ secret: 'short' }] })).toThrow(/keys\[0\]: secret must be at least 32 bytes for HS256/);
    expect(() => createTokens({ keys: [{ secret: SECRET, alg: 'ES256' }] })).toThrow(/algorithm ES256 needs privateKey\/publicKey, not secret/);
    expect(() => createTokens({ keys: [{ privateKey, alg: 'ES256', secrte: 'x' } as KeySpec] })).toThrow(/unknown option secrte/);
    expect(() => createTokens({ keys: [] })).toThrow(/keys must be a non-empty array/);
    expect(() => createTokens({ secret: SECRET, keys: [{ secret: SECRET }] })).toThrow(/give keys, or secret/);
    // A pair that is not one pair, and a key of another type than its algorithm: at import, once.
    const mismatched = createTokens({ keys: [{ privateKey, publicKey: other.publicKey, alg: 'ES256' }] });
    await expect(mismatched.keys.ready).rejects.toThrow(/privateKey and publicKey are not one key pair/);
    const wrongType = createTokens({ keys: [{ privateKey: pem(pairFor('RS256').privateKey), alg: 'ES256' }] });
    await expect(wrongType.keys.ready).rejects.toThrow(/the ES256 key could not be used/);
    const { privateKey: sealed } = await generateKeyPair('ES256', { extractable: false });
    await expect(createTokens({ keys: [{ privateKey: sealed, alg: 'ES256' }] }).keys.ready).rejects.toThrow(/not extractable: give publicKey as well/);
  });
});

describe('rotation', () => {
  const lifetime = 600;
  let tokens: Tokens;
  let first: string;
  beforeAll(async () => {
    tokens = createTokens({ keys: [{ privateKey: pairFor('ES256').privateKey, alg: 'ES256' }], expiresIn: lifetime });
    await tokens.keys.ready;
    first = tokens.keys.list()[0]!.kid;
  });

  it('signs with the newest key, and keeps the one before verifying and published until its tokens have expired', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-26T12:00:00Z'), toFake: ['Date'] });
    const old = (await tokens.issue('johndoe')).token;
    vi.setSystemTime(new Date('2026-11-26T12:05:00Z'));
    const added = await tokens.keys.add({ privateKey: pairFor('ES256').privateKey, alg: 'ES256' });
    expect(added).toMatchObject({ alg: 'ES256', signing: true, canSign: true });
    const fresh = (await tokens.issue('johndoe')).token;
    expect(decodeProtectedHeader(fresh)).toEqual({ alg: 'ES256', kid: added.kid });
    expect(tokens.keys.list()).toEqual([
      { kid: added.kid, alg: 'ES256', signing: true, canSign: true },
      // Retired at 12:05; its last token expires at 12:10, and any token of an earlier process by 12:15.
      { kid: first, alg: 'ES256', signing: false, canSign: true, retiredAt: new Date('2026-11-26T12:05:00Z'), verifiesUntil: new Date('2026-11-26T12:15:00Z') },
    ]);
    expect((await tokens.verify(old)).sub).toBe('johndoe');
    expect(tokens.keys.jwks().keys.map((key) => key.kid)).toEqual([added.kid, first]);
    vi.setSystemTime(new Date('2026-11-26T12:14:59Z'));
    expect(tokens.keys.jwks().keys.map((key) => key.kid)).toEqual([added.kid, first]);
    expect((await tokens.verify(fresh)).sub).toBe('johndoe');

    vi.setSystemTime(new Date('2026-11-26T12:15:01Z'));
    expect(tokens.keys.jwks().keys.map((key) => key.kid)).toEqual([added.kid]);
    expect(await codeOf(tokens.verify(old))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    // A token of the gone key that has not expired (an older process's): its kid is unknown now.
    const lateOld = await new SignJWT({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: first })
      .sign(pairFor('ES256').privateKey);
    expect(await codeOf(tokens.verify(lateOld))).toBe('ERR_TOKEN_KEY_UNKNOWN');
  });

  it('publishes a key before it signs, activates it later, and removes a leaked key at once', async () => {
    const before = tokens.keys.list().find((key) => key.signing)!;
    const staged = await tokens.keys.add({ privateKey: pairFor('ES256').privateKey, alg: 'ES256' }, { sign: false });
    expect(staged.signing).toBe(false);
    expect(tokens.keys.jwks().keys.map((key) => key.kid)).toContain(staged.kid);
    expect(decodeProtectedHeader((await tokens.issue('johndoe')).token).kid).toBe(before.kid);
    tokens.keys.activate(staged.kid);
    const signed = (await tokens.issue('johndoe')).token;
    expect(decodeProtectedHeader(signed).kid).toBe(staged.kid);
    tokens.keys.remove(staged.kid);
    expect(await codeOf(tokens.verify(signed))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(tokens.keys.jwks().keys.map((key) => key.kid)).not.toContain(staged.kid);
    // Removing the signer hands signing back to the newest key that can sign (retired by the activation).
    expect(decodeProtectedHeader((await tokens.issue('johndoe')).token).kid).toBe(before.kid);
  });

  it('retires a signing key only while another can sign', async () => {
    const solo = createTokens({ secret: SECRET });
    await solo.keys.ready;
    const [only] = solo.keys.list();
    expect(() => solo.keys.retire(only!.kid)).toThrow(/signs and no other key can; add one first/);
    expect(() => solo.keys.activate('nope')).toThrow(/no key nope in the set/);
    const next = await solo.keys.add({ secret: `${SECRET}/next` }, { sign: false });
    solo.keys.retire(only!.kid);
    expect(solo.keys.list().find((key) => key.signing)?.kid).toBe(next.kid);
  });
});

describe('verification by kid and algorithm (RFC 8725 §2.1, §3.1)', () => {
  it('refuses a kid whose key has another algorithm, and a token without kid when two keys could mean it', async () => {
    const es = pairFor('ES256');
    const tokens = createTokens({ keys: [{ privateKey: es.privateKey, alg: 'ES256' }, { secret: SECRET, alg: 'HS256', kid: 'hmac' }] });
    await tokens.keys.ready;
    const esKid = await thumbprintOf(es.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'johndoe', exp: now + 60 };
    // An HS256 token naming the ES256 key's kid, keyed with the public key's JWK text.
    const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: esKid }).sign(new TextEncoder().encode(JSON.stringify(await exportJWK(es.publicKey))));
    expect(await codeOf(tokens.verify(confused))).toBe('ERR_TOKEN_ALGORITHM');
    // HS256 with the set's own secret but no kid: the only HS256 key, so it verifies.
    const noKid = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect((await tokens.verify(noKid)).sub).toBe('johndoe');
    await tokens.keys.add({ secret: `${SECRET}/second`, alg: 'HS256', kid: 'hmac-2' });
    expect(await codeOf(tokens.verify(noKid))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    // An algorithm no key of the set verifies is refused as such, whatever the kid.
    const eddsa = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: esKid }).sign(pairFor('EdDSA').privateKey);
    expect(await codeOf(tokens.verify(eddsa))).toBe('ERR_TOKEN_ALGORITHM');
  });
});

// ---------------------------------------------------------------------------------------------------
// A remote JWKS at a bounded cost, against a real HTTP server on loopback.

type Behaviour = (res: ServerResponse) => void;

describe('a remote JWKS that misbehaves', () => {
  let server: Server;
  let url: string;
  let behaviour: Behaviour;
  let requests = 0;
  let bytesSent = 0;
  const issuer = 'https://issuer.gatepass.test';
  const audience = 'https://api.gatepass.test';
  let signingKey: KeyObject;
  let goodSet: string;

  beforeAll(async () => {
    const pair = pairFor('ES256');
    signingKey = pair.privateKey;
    goodSet = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    server = createServer((_req, res) => {
      requests += 1;
      behaviour(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const engine = (extra: Record<string, unknown> = {}) =>
    createTokens({ trustedIssuers: [{ issuer, audience, jwksUri: url, cooldownDuration: 60_000, timeoutDuration: 500, maxResponseBytes: 16_384, ...extra }] });
  const token = (kid = 'k1') =>
    new SignJWT({ sub: 'svc', iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 }).setProtectedHeader({ alg: 'ES256', kid }).sign(signingKey);
  async function unavailable(tokens: Tokens): Promise<string> {
    const err = await rejection(tokens.verify(await token()), BearerError);
    expect(err.code).toBe('ERR_KEYS_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.headers).toEqual({ 'Retry-After': '60' });
    return (err.cause as Error).message;
  }

  it('verifies against a well-formed set', async () => {
    behaviour = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(goodSet);
    expect((await engine().verify(await token())).sub).toBe('svc');
  });

  it('refuses a huge document, declared or streamed, after reading no more than the limit', async () => {
    behaviour = (res) => res.writeHead(200, { 'content-length': String(50_000_000) }).end();
    expect(await unavailable(engine())).toMatch(/larger than 16384 bytes/);
    bytesSent = 0;
    behaviour = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // An endless body: it stops when the client lets go.
      const chunk = Buffer.alloc(4096, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) bytesSent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    expect(await unavailable(engine())).toMatch(/larger than 16384 bytes/);
    // What the server managed to write before the connection was dropped: socket buffers, not the stream.
    expect(bytesSent).toBeLessThan(8 * 1024 * 1024);
  });

  it('refuses a slow answer at the timeout, a body that is not JSON, an error status, and private members', async () => {
    behaviour = () => {}; // never answers
    const started = Date.now();
    expect(await unavailable(engine())).toMatch(/no answer in time/);
    expect(Date.now() - started).toBeLessThan(5_000);
    behaviour = (res) => res.writeHead(200).end('<html>not a key set</html>');
    expect(await unavailable(engine())).toMatch(/not JSON/);
    behaviour = (res) => res.writeHead(404).end();
    expect(await unavailable(engine())).toMatch(/answered 404, expected 200/);
    behaviour = (res) => res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
    expect(await unavailable(engine())).toMatch(/answered 302/);
    const withPrivate = JSON.parse(goodSet) as { keys: JWK[] };
    withPrivate.keys[0]!.d = 'AAAA';
    behaviour = (res) => res.writeHead(200).end(JSON.stringify(withPrivate));
    expect(await unavailable(engine())).toMatch(/holds private key members/);
    behaviour = (res) => res.writeHead(200).end(JSON.stringify({ keys: 'none' }));
    expect(await unavailable(engine())).toMatch(/not a JWKS/);
  });

  it('asks a failing source once per cooldown, however many requests arrive', async () => {
    behaviour = (res) => res.writeHead(500).end();
    const tokens = engine();
    requests = 0;
    const answers = await Promise.all(Array.from({ length: 30 }, async () => (await rejection(tokens.verify(await token()), BearerError)).code));
    expect(new Set(answers)).toEqual(new Set(['ERR_KEYS_UNAVAILABLE']));
    for (let i = 0; i < 10; i++) await rejection(tokens.verify(await token()), BearerError);
    expect(requests).toBe(1);
  });

  it('requires iss and aud, and public-key algorithms, for a trusted issuer', () => {
    expect(() => createTokens({ trustedIssuers: [{ audience, jwksUri: url } as never] })).toThrow(/trustedIssuers\[0\]: issuer is missing/);
    expect(() => createTokens({ trustedIssuers: [{ issuer, jwksUri: url } as never] })).toThrow(/trustedIssuers\[0\]: audience is missing/);
    expect(() => createTokens({ trustedIssuers: [{ issuer, audience, algorithms: ['HS256' as never] }] })).toThrow(/algorithms must be public-key algorithms/);
    expect(() => createTokens({ trustedIssuers: [{ issuer, audience, jwksUri: 'file:///etc/passwd' }] })).toThrow(/jwksUri must be an https URL \(http only on loopback\)/);
    // Keys fetched in the clear could be swapped on the way: http only on a loopback host.
    expect(() => createTokens({ trustedIssuers: [{ issuer, audience, jwksUri: 'http://keys.example.com/jwks' }] })).toThrow(/jwksUri must be an https URL/);
    expect(() => createTokens({ trustedIssuers: [{ issuer: 'http://login.example.com', audience }] })).toThrow(/issuer must be an https URL \(http only on loopback\) to discover its keys/);
    expect(() => createTokens({ trustedIssuers: [{ issuer, audience }, { issuer, audience }] })).toThrow(/lists https:\/\/issuer.gatepass.test twice/);
  });

  it('never checks an HS256 token against the remote keys', async () => {
    behaviour = (res) => res.writeHead(200).end(goodSet);
    requests = 0;
    const hs = await new SignJWT({ sub: 'svc', iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(goodSet));
    expect(await codeOf(engine().verify(hs))).toBe('ERR_TOKEN_ALGORITHM');
    expect(requests).toBe(0);
  });
});
