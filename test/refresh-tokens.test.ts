// Refresh tokens (RFC 6749 §6, rotation and reuse detection as RFC 9700 §4.14.2 describes them): over
// real HTTP on every adapter; an inactive user, idle and absolute lifetimes in the core; and two engines
// sharing a real redis-server, where a token used on one and replayed on the other ends the login on both.
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BearerError,
  createGatepass,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  TokenRequestError,
  type Gatepass,
  type RefreshTokenOptions,
  type RefreshTokenStore,
  type RevocationStore,
} from '../src/index.js';
import { adapters, serve } from './support/adapters.js';
import { tokenError } from './support/answers.js';
import { PASSWORD, securityEngine } from './support/engine.js';
import { redisSuitesRun, startRedisServer, type RedisServer } from './support/redis-server.js';
import { rejection } from './support/rejection.js';

const INVALID_REFRESH = tokenError('invalid_grant', 'The refresh token is invalid, expired or revoked', 'Invalid refresh token');
const REVOKED = 'Bearer error="invalid_token", error_description="The access token was revoked"';

interface Pair {
  access_token: string;
  refresh_token: string;
  scope?: string;
}

describe.each(adapters)('$name: the token endpoint with refresh tokens', (adapter) => {
  const app = serve(adapter, async () => (await securityEngine({ refreshTokens: true })).auth);
  const post = (body: Record<string, string>) => fetch(`${app().url}/token`, { method: 'POST', body: new URLSearchParams(body) });
  const login = async (scope = 'me items'): Promise<Pair> => {
    const response = await post({ username: 'johndoe', password: PASSWORD, scope });
    expect(response.status).toBe(200);
    return (await response.json()) as Pair;
  };
  const refresh = (token: string, extra: Record<string, string> = {}) => post({ grant_type: 'refresh_token', refresh_token: token, ...extra });
  const me = (token: string) => fetch(`${app().url}/me`, { headers: { authorization: `Bearer ${token}` } });

  it('hands out a refresh token with the access token, and a new pair for it, once', async () => {
    const first = await login();
    expect(first.refresh_token).toMatch(/^[\w-]{43}$/);
    const response = await refresh(first.refresh_token);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const second = (await response.json()) as Pair;
    expect(second).toMatchObject({ token_type: 'bearer', expires_in: 1800, scope: 'me items' });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await me(second.access_token)).status).toBe(200);
    // The used token again: the login ends, the newest pair with it.
    const replay = await refresh(first.refresh_token);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual(INVALID_REFRESH);
    const after = await me(second.access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe(REVOKED);
    expect((await me(first.access_token)).status).toBe(401);
    expect((await refresh(second.refresh_token)).status).toBe(400);
    // Another login of the same user is not touched.
    const other = await login();
    expect((await me(other.access_token)).status).toBe(200);
  });

  it('narrows the scopes on request and never widens them', async () => {
    const narrow = await refresh((await login('me items')).refresh_token, { scope: 'me' });
    expect(narrow.status).toBe(200);
    expect(((await narrow.json()) as Pair).scope).toBe('me');
    const wide = await refresh((await login('me')).refresh_token, { scope: 'me items' });
    expect(wide.status).toBe(400);
    expect(await wide.json()).toEqual(tokenError('invalid_scope', 'The requested scope is invalid or unknown', 'Invalid scope'));
  });

  it('refuses a missing refresh_token as invalid_request and an unknown one as invalid_grant', async () => {
    const missing = await post({ grant_type: 'refresh_token' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual(tokenError('invalid_request', 'Missing parameter: refresh_token'));
    const unknown = await refresh('A'.repeat(43));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual(INVALID_REFRESH);
  });

  it('ends the login at logout: its refresh token no longer works', async () => {
    const pair = await login();
    const out = await fetch(`${app().url}/logout`, { method: 'POST', headers: { authorization: `Bearer ${pair.access_token}` } });
    expect(out.status).toBe(204);
    expect(await (await refresh(pair.refresh_token)).json()).toEqual(INVALID_REFRESH);
  });
});

describe('refresh tokens in the core', () => {
  const SECRET = 'refresh-suite/HMAC-secret/0b2d4f6a-8c1e-4a3b-9d5f-7e9a1c3b5d7f';
  const users = new Map([['johndoe', { name: 'johndoe', disabled: false }]]);
  const engine = (refreshTokens: true | RefreshTokenOptions = true, revocations?: RevocationStore) =>
    createGatepass({
      secret: SECRET,
      scopes: { me: 'Me.', items: 'Items.' },
      refreshTokens,
      ...(revocations === undefined ? {} : { revocations }),
      verifyCredentials: ({ username, password }) => (password === 'right' ? { subject: username, scopes: ['me', 'items'] } : null),
      resolveUser: (claims) => users.get(claims.sub),
      isActive: (user) => !user.disabled,
    });
  const form = (body: string) => ({ body, contentType: 'application/x-www-form-urlencoded' });
  const login = async (auth: Gatepass<unknown>) => (await auth.issueToken(form('username=johndoe&password=right'))).body;
  const refresh = (auth: Gatepass<unknown>, token: string) => auth.issueToken(form(`grant_type=refresh_token&refresh_token=${token}`));

  afterEach(() => {
    vi.useRealTimers();
    users.get('johndoe')!.disabled = false;
  });

  it('refuses an inactive user, and a user that is gone', async () => {
    const auth = engine();
    const { refresh_token: token } = await login(auth);
    users.get('johndoe')!.disabled = true;
    expect((await rejection(refresh(auth, token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
  });

  it('expires an unused token after the idle lifetime, and every token at the absolute one', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-26T12:00:00Z'), toFake: ['Date'] });
    const auth = engine({ idleLifetime: 3600, absoluteLifetime: 3 * 3600 });
    let token = (await login(auth)).refresh_token!;
    vi.setSystemTime(new Date('2026-11-26T12:59:00Z'));
    token = (await refresh(auth, token)).body.refresh_token!;
    vi.setSystemTime(new Date('2026-11-26T13:58:00Z'));
    token = (await refresh(auth, token)).body.refresh_token!;
    vi.setSystemTime(new Date('2026-11-26T14:57:00Z'));
    token = (await refresh(auth, token)).body.refresh_token!;
    // Used within the hour each time, but the login is three hours old now.
    vi.setSystemTime(new Date('2026-11-26T15:00:01Z'));
    expect((await rejection(refresh(auth, token), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
    const idle = (await login(auth)).refresh_token!;
    vi.setSystemTime(new Date('2026-11-26T16:00:02Z'));
    expect((await rejection(refresh(auth, idle), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
  });

  it('leaves the token usable when the store fails during a rotation', async () => {
    const store = createMemoryRefreshTokenStore();
    let failNext = false;
    const flaky: RefreshTokenStore = { ...store, rotate: async (...args) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      return store.rotate(...args);
    } };
    const auth = engine({ store: flaky });
    const { refresh_token: token } = await login(auth);
    failNext = true;
    const failure = await rejection(refresh(auth, token!), TokenRequestError);
    expect([failure.code, failure.status]).toEqual(['ERR_STORE_UNAVAILABLE', 503]);
    // A retry with the same token works: it was not spent, and the login goes on.
    const retried = (await refresh(auth, token!)).body;
    expect((await auth.authenticate({ authorization: `Bearer ${retried.access_token}` })).subject).toBe('johndoe');
  });

  it('binds a login to the client that named itself: another client, or none, cannot refresh it', async () => {
    const auth = engine();
    const { refresh_token: token } = (await auth.issueToken(form('username=johndoe&password=right&client_id=web'))).body;
    for (const other of ['&client_id=mobile', '']) {
      const refused = await rejection(auth.issueToken(form(`grant_type=refresh_token&refresh_token=${token}${other}`)), TokenRequestError);
      expect(refused.code).toBe('ERR_INVALID_REFRESH_TOKEN');
    }
    const ok = await auth.issueToken(form(`grant_type=refresh_token&refresh_token=${token}&client_id=web`));
    expect(ok.body.refresh_token).toMatch(/^[\w-]{43}$/);
  });

  it('gives resolveUser the login’s claims on a refresh, as on a protected route', async () => {
    const seen: unknown[] = [];
    const auth = createGatepass({
      secret: SECRET,
      scopes: { me: 'Me.' },
      refreshTokens: true,
      verifyCredentials: () => ({ subject: 'johndoe', scopes: ['me'], claims: { tenant: 'acme' } }),
      resolveUser: (claims) => (seen.push(claims), users.get(claims.sub)),
    });
    const { refresh_token: token } = (await auth.issueToken(form('username=johndoe&password=right&scope=me'))).body;
    await refresh(auth, token!);
    expect(seen).toEqual([{ tenant: 'acme', sub: 'johndoe', sid: expect.stringMatching(/^[\w-]{36}$/), scope: 'me' }]);
  });

  /** A store whose next `what` waits until `release` is called, and `entered` resolves once it waits. */
  function held(store: RefreshTokenStore, what: 'rotate' | 'endFamily') {
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const waiting = new Promise<void>((resolve) => (entered = resolve));
    let armed = false;
    const wrapped: RefreshTokenStore = {
      ...store,
      [what]: async (...args: never[]) => {
        if (armed) {
          armed = false;
          entered();
          await gate;
        }
        return (store[what] as (...a: never[]) => Promise<unknown>)(...args);
      },
    };
    return { store: wrapped, arm: () => (armed = true), entered: waiting, release };
  }

  it.each(['logout', 'reuse of an older token'])('does not bring back a login that ended (%s) while a refresh was in flight', async (ending) => {
    const hold = held(createMemoryRefreshTokenStore(), 'rotate');
    const auth = engine({ store: hold.store });
    const first = await login(auth);
    const second = (await refresh(auth, first.refresh_token!)).body;
    hold.arm();
    const inFlight = refresh(auth, second.refresh_token!);
    await hold.entered;
    if (ending === 'logout') await auth.logout({ authorization: `Bearer ${second.access_token}` });
    else expect((await rejection(refresh(auth, first.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
    hold.release();
    expect((await rejection(inFlight, TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
    expect((await rejection(refresh(auth, second.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
    expect((await rejection(auth.authenticate({ authorization: `Bearer ${second.access_token}` }), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
  });

  it('ends the login when a logout fails midway and is retried: the retry is a 204, the refresh token is dead', async () => {
    const store = createMemoryRefreshTokenStore();
    let failNext = true;
    const flaky: RefreshTokenStore = { ...store, endFamily: async (id) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      return store.endFamily(id);
    } };
    const auth = engine({ store: flaky });
    const pair = await login(auth);
    const request = { authorization: `Bearer ${pair.access_token}` };
    const failure = await rejection(auth.logout(request), BearerError);
    expect([failure.code, failure.status]).toEqual(['ERR_STORE_UNAVAILABLE', 503]);
    // The access token is refused already: the login's session went first.
    expect((await rejection(auth.authenticate(request), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
    await auth.logout(request);
    expect((await rejection(refresh(auth, pair.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
  });

  it('ends the login on reuse even when the revocation store failed the first time', async () => {
    const store = createMemoryRevocationStore();
    let failNext = false;
    const flaky: RevocationStore = { isRevoked: (id) => store.isRevoked(id), revoke: async (id, until) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      return store.revoke(id, until);
    } };
    const auth = engine(true, flaky);
    const first = await login(auth);
    const second = (await refresh(auth, first.refresh_token!)).body;
    failNext = true;
    expect((await rejection(refresh(auth, first.refresh_token!), TokenRequestError)).code).toBe('ERR_STORE_UNAVAILABLE');
    expect((await rejection(refresh(auth, first.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
    expect((await rejection(auth.authenticate({ authorization: `Bearer ${second.access_token}` }), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
    expect((await rejection(refresh(auth, second.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
  });

  it('refuses the refresh grant when refresh tokens are off, and bad options at start-up', async () => {
    const off = createGatepass({ secret: SECRET, verifyCredentials: () => null, resolveUser: () => null });
    expect((await rejection(refresh(off, 'x'), TokenRequestError)).code).toBe('ERR_UNSUPPORTED_GRANT_TYPE');
    expect(() => engine({ idleLifetime: 0 })).toThrow(/refreshTokens: idleLifetime must be a positive whole number of seconds/);
    expect(() => engine({ lifetime: 5 } as RefreshTokenOptions)).toThrow(/refreshTokens: unknown option lifetime/);
    expect(engine().openApi().securitySchemes.OAuth2PasswordBearer).toMatchObject({ flows: { password: { tokenUrl: 'token', refreshUrl: 'token' } } });
  });

  // redis-server comes from Debian (.ci/run installs it): a missing one skips, loudly; under CI it fails.
  const redisRuns = redisSuitesRun('the Redis refresh token tests');

  describe.runIf(redisRuns)('two engines sharing a real redis-server', () => {
    let redis: RedisServer;
    const clients: Array<{ close(): Promise<unknown> }> = [];
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await Promise.allSettled(clients.map((client) => client.close()));
      await redis?.close();
    });
    const shared = async () => {
      const client = createClient({ url: redis.url, disableOfflineQueue: true });
      client.on('error', () => {});
      clients.push(client);
      await client.connect();
      return engine({ store: createRedisRefreshTokenStore(client) }, createRedisRevocationStore(client));
    };

    it('a token used on A and replayed on B ends the login on both', async () => {
      const [a, b] = [await shared(), await shared()];
      const first = await login(a);
      const second = (await refresh(a, first.refresh_token!)).body;
      expect((await b.authenticate({ authorization: `Bearer ${second.access_token}` })).subject).toBe('johndoe');
      expect((await rejection(refresh(b, first.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
      for (const auth of [a, b]) {
        expect((await rejection(auth.authenticate({ authorization: `Bearer ${second.access_token}` }), BearerError)).code).toBe('ERR_TOKEN_REVOKED');
        expect((await rejection(refresh(auth, second.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
      }
    });

    it('does not bring back a login that ended on A while B was rotating one of its tokens', async () => {
      const client = createClient({ url: redis.url, disableOfflineQueue: true });
      client.on('error', () => {});
      clients.push(client);
      await client.connect();
      const hold = held(createRedisRefreshTokenStore(client), 'rotate');
      const revocations = createRedisRevocationStore(client);
      const [a, b] = [await shared(), engine({ store: hold.store }, revocations)];
      const pair = await login(a);
      hold.arm();
      const inFlight = refresh(b, pair.refresh_token!);
      await hold.entered;
      await a.logout({ authorization: `Bearer ${pair.access_token}` });
      hold.release();
      expect((await rejection(inFlight, TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
      expect((await rejection(refresh(a, pair.refresh_token!), TokenRequestError)).code).toBe('ERR_INVALID_REFRESH_TOKEN');
      const { sid } = JSON.parse(Buffer.from(pair.access_token!.split('.')[1]!, 'base64url').toString()) as { sid: string };
      expect(await client.exists(`gatepass:refresh:family:${sid}`)).toBe(0);
    });

    it('lets only one of two instances using the same token at the same moment succeed', async () => {
      const [a, b] = [await shared(), await shared()];
      const { refresh_token: token } = await login(a);
      const outcomes = await Promise.allSettled([refresh(a, token!), refresh(b, token!)]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    });
  });
});
