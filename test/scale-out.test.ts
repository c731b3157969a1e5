// The contract's "Scale-out" JWKS cases (shared/design/contract.md): on every adapter's example app, two
// instances in separate processes. A signs with an ES256 key given as GATEPASS_PRIVATE_KEY and serves
// its public key at /.well-known/jwks.json; B verifies A's tokens through that JWKS
// (GATEPASS_JWKS_URL), both with GATEPASS_ISSUER and GATEPASS_AUDIENCE. Tokens are minted with jose
// and node:crypto here, never through gatepass.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, importPKCS8, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_NAMES } from './support/adapters.js';
import { startExample, type ExampleServer } from './support/example-server.js';
import { redisSuitesRun, startRedisServer, type RedisServer } from './support/redis-server.js';

const ISSUER = 'https://a.gatepass.test';
const AUDIENCE = 'https://api.gatepass.test';
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function es256Pem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const challenge = (description: string): string => `Bearer error="invalid_token", error_description="${description}"`;

describe.each(ADAPTER_NAMES)('%s: B verifies A through A’s JWKS', (adapter) => {
  const pem = es256Pem();
  let a: ExampleServer;
  let b: ExampleServer;
  let kid: string;
  let publicJwk: JWK;
  const sign = async (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'ES256', kid }, key = pem) =>
    new SignJWT({ sub: 'johndoe', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, iss: ISSUER, aud: AUDIENCE, ...claims })
      .setProtectedHeader(header as { alg: string })
      .sign(await importPKCS8(key, 'ES256'));
  const me = (server: ExampleServer, token: string) => fetch(`${server.url}/users/me/`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    publicJwk = await exportJWK(await importPKCS8(pem, 'ES256', { extractable: true }));
    for (const member of ['d', 'ext', 'key_ops'] as const) delete publicJwk[member];
    kid = await calculateJwkThumbprint(publicJwk);
    const keys = { GATEPASS_ISSUER: ISSUER, GATEPASS_AUDIENCE: AUDIENCE };
    a = await startExample(adapter, { env: { ...keys, GATEPASS_ALG: 'ES256', GATEPASS_PRIVATE_KEY: pem } });
    b = await startExample(adapter, { env: { ...keys, GATEPASS_JWKS_URL: `${a.url}/.well-known/jwks.json` } });
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
  });

  it('A publishes its public key only, with kid, alg, use and caching headers; a client holding it gets 304', async () => {
    const response = await fetch(`${a.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jwk-set\+json(; charset=utf-8)?$/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect(await response.json()).toEqual({ keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] });
    const again = await fetch(`${a.url}/.well-known/jwks.json`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // B signs with an HMAC secret: nothing of it is published.
    expect(await (await fetch(`${b.url}/.well-known/jwks.json`)).json()).toEqual({ keys: [] });
  });

  it('A issues ES256 tokens with its kid, iss and aud, and B accepts them on the very first request', async () => {
    const login = await fetch(`${a.url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'johndoe', password: 'secret', scope: 'me' }) });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid });
    expect(decodeJwt(token)).toMatchObject({ sub: 'johndoe', iss: ISSUER, aud: AUDIENCE, scope: 'me' });
    const onB = await me(b, token);
    expect(onB.status).toBe(200);
    expect(await onB.json()).toMatchObject({ username: 'johndoe' });
    const scoped = await fetch(`${b.url}/scoped/users/me/`, { headers: { authorization: `Bearer ${token}` } });
    expect(scoped.status).toBe(200);
  });

  it('B refuses a kid A does not publish, an HS256 token keyed with A’s public key, and the wrong aud or iss', async () => {
    const unknownKid = await sign({}, { alg: 'ES256', kid: 'not-a-key-of-a' }, es256Pem());
    const stranger = await me(b, unknownKid);
    expect(stranger.status).toBe(401);
    expect(stranger.headers.get('www-authenticate')).toBe(challenge('The access token names a key that is not trusted'));

    // Algorithm confusion (RFC 8725 §2.1): an HMAC over the token keyed with the public key's bytes,
    // naming A's kid. A has no HMAC key at all; B has one (its own secret), but not of that kid, and
    // the trusted issuer's keys never verify an HMAC algorithm.
    const header = b64({ alg: 'HS256', kid });
    const payload = b64({ sub: 'johndoe', exp: Math.floor(Date.now() / 1000) + 600, iss: ISSUER, aud: AUDIENCE });
    for (const keyBytes of [JSON.stringify(publicJwk), await (await fetch(`${a.url}/.well-known/jwks.json`)).text()]) {
      const confused = `${header}.${payload}.${createHmac('sha256', keyBytes).update(`${header}.${payload}`).digest('base64url')}`;
      const onA = await me(a, confused);
      expect(onA.status).toBe(401);
      expect(onA.headers.get('www-authenticate')).toBe(challenge('The access token algorithm is not allowed'));
      const onB = await me(b, confused);
      expect(onB.status).toBe(401);
      expect(onB.headers.get('www-authenticate')).toBe(challenge('The access token algorithm is not allowed'));
    }

    const wrongAudience = await me(b, await sign({ aud: 'https://another-api.test' }));
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toBe(challenge('The access token claim aud is invalid'));
    const wrongIssuer = await me(b, await sign({ iss: 'https://elsewhere.test' }));
    expect(wrongIssuer.status).toBe(401);
    expect(wrongIssuer.headers.get('www-authenticate')).toBe(challenge('The access token claim iss is invalid'));
    // Signed by A's own key, without kid: the only key of its algorithm still verifies it.
    expect((await me(b, await sign({}, { alg: 'ES256' }))).status).toBe(200);
  });

  it('B keeps verifying with the keys it holds while A is down', async () => {
    const token = await sign({});
    expect((await me(b, token)).status).toBe(200);
    await a.stop();
    const later = await me(b, await sign({ scope: 'me' }));
    expect(later.status).toBe(200);
  });
});

describe('start-up', () => {
  it('refuses a remote JWKS without GATEPASS_ISSUER and GATEPASS_AUDIENCE, naming what is missing', async () => {
    const started = startExample('express', { env: { GATEPASS_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json', GATEPASS_AUDIENCE: AUDIENCE } });
    await expect(started).rejects.toThrow(/issuer is missing — tokens verified against remote keys must name their issuer/);
  });
});

// The contract's "Scale-out" revocations: two instances of each example app share one redis-server
// (GATEPASS_REDIS_URL) and A's keys (B verifies through A's JWKS). A redis-server that does not run
// redis-server comes from Debian (.ci/run installs it): a missing one skips, loudly; under CI it fails.
const redisRuns = redisSuitesRun('the shared-Redis scale-out tests');

describe.runIf(redisRuns)('two instances sharing one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());

  describe.each(ADAPTER_NAMES)('%s', (adapter) => {
    let a: ExampleServer;
    let b: ExampleServer;
    beforeAll(async () => {
      const shared = { GATEPASS_ISSUER: ISSUER, GATEPASS_AUDIENCE: AUDIENCE, GATEPASS_REDIS_URL: redis.url, GATEPASS_REFRESH_TOKENS: '1' };
      a = await startExample(adapter, { env: { ...shared, GATEPASS_ALG: 'ES256', GATEPASS_PRIVATE_KEY: es256Pem() } });
      b = await startExample(adapter, { env: { ...shared, GATEPASS_JWKS_URL: `${a.url}/.well-known/jwks.json` } });
    }, 60_000);
    afterAll(async () => {
      await Promise.allSettled([a?.stop(), b?.stop()]);
    });

    const token = async (server: ExampleServer, body: Record<string, string>) => {
      const response = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams(body) });
      return { status: response.status, body: (await response.json()) as { access_token: string; refresh_token: string; error?: string } };
    };
    const pair = async (scope: string) => {
      const { status, body } = await token(a, { username: 'johndoe', password: 'secret', scope });
      expect(status).toBe(200);
      return body;
    };
    const login = async (scope: string): Promise<string> => (await pair(scope)).access_token;
    const me = (server: ExampleServer, token: string) => fetch(`${server.url}/users/me/`, { headers: { authorization: `Bearer ${token}` } });
    const logout = (server: ExampleServer, token: string) => fetch(`${server.url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

    it('a logout on one instance is honoured by the other on its very next request, both ways', async () => {
      const first = await login('me');
      const second = await login('me items');
      expect((await me(b, first)).status).toBe(200);
      expect((await logout(a, first)).status).toBe(204);
      const onB = await me(b, first);
      expect(onB.status).toBe(401);
      expect(onB.headers.get('www-authenticate')).toBe(challenge('The access token was revoked'));

      expect((await me(a, second)).status).toBe(200);
      expect((await logout(b, second)).status).toBe(204);
      const onA = await me(a, second);
      expect(onA.status).toBe(401);
      expect(onA.headers.get('www-authenticate')).toBe(challenge('The access token was revoked'));
    });

    it('a refresh token used on A and replayed on B ends the login on both (contract: "Refresh tokens")', async () => {
      const first = await pair('me');
      const used = await token(a, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
      expect(used.status).toBe(200);
      expect((await me(b, used.body.access_token)).status).toBe(200);
      const replay = await token(b, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      for (const server of [a, b]) {
        const refused = await me(server, used.body.access_token);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe(challenge('The access token was revoked'));
        expect((await token(server, { grant_type: 'refresh_token', refresh_token: used.body.refresh_token })).status).toBe(400);
      }
    });
  });
});
