// Revocation and logout: the adapters' logoutEndpoint over real HTTP on every adapter; a revoked token
// stays revoked under another spelling of its signature (ECDSA's s and n - s); the in-memory store's
// bound; and the Redis store against a real redis-server: shared by two engines, failing closed with
// 503 while Redis is down, and working again once it is back.
import { base64url, jwtVerify } from 'jose';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BearerError,
  createGatepass,
  createMemoryRevocationStore,
  createRedisRevocationStore,
  createTokens,
  httpBearer,
  type AuthError,
  type RevocationStore,
} from '../src/index.js';
import { adapters, serve } from './support/adapters.js';
import { securityEngine } from './support/engine.js';
import { redisSuitesRun, startRedisServer, type RedisServer } from './support/redis-server.js';
import { rejection } from './support/rejection.js';

const SECRET = 'revocation-suite/HMAC-secret/7d1f3b5a-9c2e-4f60-8a1b-3c5d7e9f1a2b';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const REVOKED = 'Bearer error="invalid_token", error_description="The access token was revoked"';

describe.each(adapters)('$name: logoutEndpoint', (adapter) => {
  let engine: Awaited<ReturnType<typeof securityEngine>>;
  const app = serve(adapter, async () => (engine = await securityEngine()).auth);
  const call = (path: string, init: RequestInit = {}) => fetch(`${app().url}${path}`, init);

  it('revokes the presented token (204, no-store, no body): it is refused from the next request on, the user’s other tokens are not', async () => {
    const { token } = await engine.auth.tokens.issue('johndoe');
    // Another token of the same user (another scope: issued in the same second, the same claims would make the same token).
    const other = (await engine.auth.tokens.issue('johndoe', { scopes: ['me'] })).token;
    const before = await call('/me', { headers: bearer(token) });
    expect([before.status, before.headers.get('www-authenticate')]).toEqual([200, null]);
    const out = await call('/logout', { method: 'POST', headers: bearer(token) });
    expect(out.status).toBe(204);
    expect(out.headers.get('cache-control')).toBe('no-store');
    expect(await out.text()).toBe('');
    const after = await call('/me', { headers: bearer(token) });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe(REVOKED);
    expect(await after.json()).toEqual({ detail: 'Could not validate credentials' });
    // Logged out already (a retry, a second tab): the same answer.
    const again = await call('/logout', { method: 'POST', headers: bearer(token) });
    expect(again.status).toBe(204);
    expect((await call('/me', { headers: bearer(other) })).status).toBe(200);
  });

  it('answers no token as a protected route does, a bad one with invalid_token, and other methods with 405', async () => {
    const none = await call('/logout', { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toEqual({ detail: 'Not authenticated' });
    const bad = await call('/logout', { method: 'POST', headers: bearer('not.a.token') });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const get = await call('/logout');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('revocation in the core', () => {
  it('keeps a revoked ES256 token revoked under the other spelling of its signature (s → n − s)', async () => {
    const tokens = createTokens({ keys: [{ privateKey: (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' }] });
    const { token } = await tokens.issue('johndoe');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const bytes = base64url.decode(signature);
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const s = BigInt(`0x${Buffer.from(bytes.subarray(32)).toString('hex')}`);
    const flipped = Buffer.concat([bytes.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
    const respelled = `${header}.${payload}.${base64url.encode(flipped)}`;
    expect(respelled).not.toBe(token);
    // Both spellings verify (WebCrypto accepts either s), so revocation cannot key on the signature.
    expect((await tokens.verify(respelled)).sub).toBe('johndoe');
    await tokens.revoke(token);
    expect((await rejection(tokens.verify(respelled), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
  });

  it('bounds the memory store: expired entries leave, and a full one refuses a revocation (a logout answers 503) rather than forget one', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-26T12:00:00Z'), toFake: ['Date'] });
    try {
      const store = createMemoryRevocationStore({ maxEntries: 2 });
      const now = Math.floor(Date.now() / 1000);
      expect(store.empty).toBe(true);
      await store.revoke('gone', now - 1);
      expect(store.empty).toBe(true);
      await store.revoke('a', now + 60);
      await store.revoke('b', now + 600);
      await expect(store.revoke('c', now + 300)).rejects.toThrow(/holds 2 live revocations/);
      expect([await store.isRevoked('a'), await store.isRevoked('b'), await store.isRevoked('c')]).toEqual([true, true, false]);
      // Once one has expired, there is room again.
      vi.setSystemTime(new Date('2026-11-26T12:01:01Z'));
      await store.revoke('c', now + 300);
      expect([await store.isRevoked('a'), await store.isRevoked('b'), await store.isRevoked('c')]).toEqual([false, true, true]);
      expect(() => createMemoryRevocationStore({ maxEntries: 0 })).toThrow(/maxEntries must be a positive whole number/);

      const auth = createGatepass({ secret: SECRET, revocations: createMemoryRevocationStore({ maxEntries: 1 }), verifyCredentials: () => null, resolveUser: (claims) => claims });
      const [one, two] = [(await auth.tokens.issue('one')).token, (await auth.tokens.issue('two')).token];
      await auth.logout(bearer(one));
      const full = await rejection(auth.logout(bearer(two)), BearerError);
      expect([full.code, full.status]).toEqual(['ERR_STORE_UNAVAILABLE', 503]);
      expect((await rejection(auth.authenticate(bearer(one)), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails closed when a store answers anything but true or false', async () => {
    for (const answer of [1, 'yes', null, undefined, 0]) {
      const store: RevocationStore = { revoke: async () => {}, isRevoked: async () => answer as unknown as boolean };
      const auth = createGatepass({ secret: SECRET, revocations: store, verifyCredentials: () => null, resolveUser: (claims) => claims });
      const failure = await rejection(auth.authenticate(bearer((await auth.tokens.issue('johndoe')).token)), BearerError);
      expect([failure.code, failure.status]).toEqual(['ERR_STORE_UNAVAILABLE', 503]);
    }
  });

  it('revokes a session for as long as the longest-lived token issued for it', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-26T12:00:00Z'), toFake: ['Date'] });
    try {
      const tokens = createTokens({ secret: SECRET, expiresIn: 600 });
      const { token } = await tokens.issue('johndoe', { session: 'login-1', expiresIn: 7200 });
      await tokens.revokeSession('login-1');
      expect(await tokens.isSessionRevoked('login-1')).toBe(true);
      vi.setSystemTime(new Date('2026-11-26T13:59:00Z'));
      expect((await rejection(tokens.verify(token), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
      expect(await tokens.isSessionRevoked('login-2')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds on routes whose scheme verifies tokens itself: a token revoked through the engine is refused there too', async () => {
    const auth = createGatepass<unknown>({ secret: SECRET, verifyCredentials: () => null, resolveUser: (claims) => claims });
    // A scheme that verifies JWTs itself (as openIdConnect does against its provider) and hands back their claims.
    const key = new TextEncoder().encode(SECRET);
    const partner = httpBearer({
      schemeName: 'Partner',
      verify: async (token) => {
        const { payload } = await jwtVerify<{ sub: string }>(token, key, { algorithms: ['HS256'] });
        return { subject: payload.sub, user: {}, claims: payload };
      },
    });
    const guard = auth.guard({ schemes: [partner] });
    const { token } = await auth.tokens.issue('johndoe');
    expect((await guard.check(bearer(token), false))?.subject).toBe('johndoe');
    await auth.tokens.revoke(token);
    const refused = await rejection(guard.check(bearer(token), false), BearerError);
    expect([refused.code, refused.headers['WWW-Authenticate']]).toEqual(['ERR_TOKEN_REVOKED', REVOKED]);
  });

  it('fails closed with 503 when the store throws, and tells onError', async () => {
    const errors: Array<[AuthError, unknown]> = [];
    const broken: RevocationStore = {
      revoke: async () => {},
      isRevoked: async () => {
        throw new Error('connection refused');
      },
    };
    const auth = createGatepass({
      secret: SECRET,
      revocations: broken,
      verifyCredentials: () => null,
      resolveUser: (claims) => ({ id: claims.sub }),
      onError: (error, thrown) => errors.push([error, thrown]),
    });
    const { token } = await auth.tokens.issue('johndoe');
    const failure = await rejection(auth.authenticate(bearer(token)), BearerError);
    expect(failure.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(failure.status).toBe(503);
    expect(failure.headers).toEqual({ 'Retry-After': '1' });
    expect(failure.body).toEqual({ detail: 'Service temporarily unavailable' });
    expect(failure.cause).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect((errors[0]![1] as Error).message).toBe('connection refused');
  });
});

// redis-server comes from Debian (.ci/run installs it): a missing one skips, loudly; under CI it fails.
const redisRuns = redisSuitesRun('the Redis revocation tests');

describe.runIf(redisRuns)('the Redis store, against a real redis-server', () => {
  let redis: RedisServer;
  const clients: Array<{ close(): Promise<unknown> }> = [];
  const connect = async () => {
    const client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 100 } });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  };
  const engine = (client: Awaited<ReturnType<typeof connect>>, errors: AuthError[] = []) =>
    createGatepass({
      secret: SECRET,
      revocations: createRedisRevocationStore(client, { prefix: 'test:revoked:' }),
      verifyCredentials: () => null,
      resolveUser: (claims) => ({ id: claims.sub }),
      onError: (error) => errors.push(error),
    });

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await redis?.close();
  });

  it('a logout on one engine is refused by another on its very next request; the key expires with the token', async () => {
    const [a, b] = [engine(await connect()), engine(await connect())];
    const { token, claims } = await a.tokens.issue('johndoe');
    expect((await b.authenticate(bearer(token))).subject).toBe('johndoe');
    await a.logout(bearer(token));
    expect((await rejection(b.authenticate(bearer(token)), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
    const inspector = await connect();
    const keys = await inspector.keys('test:revoked:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^test:revoked:[\w-]{43}$/);
    const ttl = await inspector.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(claims.exp! - Math.floor(Date.now() / 1000) - 5);
    expect(ttl).toBeLessThanOrEqual(claims.exp! - Math.floor(Date.now() / 1000) + 1);
  });

  it('answers 503 through onError while Redis is down, and verifies again once it is back', async () => {
    const errors: AuthError[] = [];
    const client = await connect();
    const auth = engine(client, errors);
    const { token } = await auth.tokens.issue('johndoe');
    await redis.stop();
    const failure = await rejection(auth.authenticate(bearer(token)), BearerError);
    expect(failure.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(failure.status).toBe(503);
    expect(errors.map((error) => error.code)).toEqual(['ERR_STORE_UNAVAILABLE']);
    await redis.restart();
    const deadline = Date.now() + 10_000;
    while (!client.isReady && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await auth.authenticate(bearer(token))).subject).toBe('johndoe');
  });
});
