// Login throttling (createGatepass's loginThrottle) over real HTTP on every adapter. Each client sends
// from its own loopback address (127.x.y.z, bound with `localAddress`), so the apps see distinct client
// addresses on their sockets. A flood of wrong passwords from one address is answered 429 with
// Retry-After while another user from another address still logs in; the 429 is the same for an
// existing and an unknown username; concurrent logins from one address take at most its limit of places
// in the hashing queue, so a full queue no longer turns another user's login into a 503; the counters live
// in memory or in a real redis-server, shared by two instances, and a Redis that is down fails the token
// request closed (503 through onError) until it is back.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenRequestError, createGatepass, type AuthError, type GatepassUser, type LoginThrottleOptions } from '../../src/index.js';
import { createPasswordHasher } from '../../src/password.js';
import { addressKey } from '../../src/throttle/login-throttle.js';
import { adapters, serve, type App } from '../support/adapters.js';
import { INVALID_GRANT, tokenError } from '../support/answers.js';
import { loginFrom, type Answer } from '../support/from-address.js';
import { Barrier, CHEAP, PASSWORD, WRONG_PASSWORD, securityEngine } from '../support/engine.js';
import { redisSuitesRun, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { rejection } from '../support/rejection.js';

const TOO_MANY = tokenError('temporarily_unavailable', 'Too many failed login attempts, retry later', 'Too many login attempts');
const UNAVAILABLE = tokenError('temporarily_unavailable', 'A store the server depends on is unavailable', 'Service temporarily unavailable');

/** A login to the app's /token from the loopback address `from`. */
const login = (app: App, from: string, username: string, password: string): Promise<Answer> => loginFrom(app.port, from, username, password);

/** The exact 429: the RFC 6749 body, no-store, and a Retry-After within the window. */
function expectTooMany(answer: Answer, windowSeconds: number): number {
  expect(answer.status, JSON.stringify(answer.body)).toBe(429);
  expect(answer.body).toEqual(TOO_MANY);
  expect(answer.headers['content-type']).toMatch(/^application\/json\b/);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers.pragma).toBe('no-cache');
  expect(answer.headers['www-authenticate']).toBeUndefined();
  const retryAfter = answer.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
  return Number(retryAfter);
}

function expectToken(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
}

const wrong = (app: App, from: string, username: string) => login(app, from, username, WRONG_PASSWORD);

describe('addressKey', () => {
  it('keeps IPv4, maps IPv4-mapped IPv6 to IPv4, groups IPv6 by /64, and leaves anything else as it is', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('client-7')).toBe('client-7');
  });
});

describe('loginThrottle options', () => {
  const base = { secret: 'x'.repeat(32), verifyCredentials: () => null, resolveUser: () => null };
  const build = (loginThrottle: unknown) => () => createGatepass({ ...base, loginThrottle: loginThrottle as LoginThrottleOptions });

  it('are checked at start-up: names, whole numbers, a Redis client', () => {
    expect(build({ maxFailure: 5 })).toThrow('createGatepass: loginThrottle: unknown option maxFailure — did you mean maxFailures?');
    expect(build({})).toThrow('createGatepass: loginThrottle: maxFailures must be a whole number, at least 1');
    expect(build({ maxFailures: 0 })).toThrow(RangeError);
    expect(build({ maxFailures: 2.5 })).toThrow(RangeError);
    expect(build({ maxFailures: 5, windowSeconds: 0.5 })).toThrow('createGatepass: loginThrottle: windowSeconds must be a whole number, at least 1');
    expect(build({ maxFailures: 5, maxFailuresPerAddress: -1 })).toThrow('maxFailuresPerAddress must be a whole number');
    expect(build({ maxFailures: 5, redis: {} })).toThrow('createGatepass: loginThrottle: redis must be a node-redis client');
    expect(build(5)).toThrow('createGatepass: loginThrottle: options must be an object');
  });

  it('are reported as auth.loginThrottle', () => {
    expect(createGatepass(base).loginThrottle).toBeUndefined();
    expect(createGatepass({ ...base, loginThrottle: { maxFailures: 5 } }).loginThrottle).toEqual({
      maxFailures: 5,
      maxFailuresPerAddress: 5,
      windowSeconds: 900,
      store: 'memory',
    });
  });

  it('make the fetch adapter refuse to start without clientAddress, since a Request carries no address', async () => {
    const { tokenEndpoint } = await import('../../adapters/fetch.js');
    const auth = createGatepass({ ...base, loginThrottle: { maxFailures: 5 } });
    expect(() => tokenEndpoint(auth)).toThrow(/^gatepass\/fetch tokenEndpoint: loginThrottle limits each client address, and a Request carries none/);
    expect(() => tokenEndpoint(auth, { clientAddress: () => undefined })).not.toThrow();
    expect(() => tokenEndpoint(createGatepass(base))).not.toThrow();
    expect(() => tokenEndpoint(auth, { clientAddress: 'x' as never })).toThrow('gatepass/fetch tokenEndpoint: clientAddress must be a function');
  });
});

describe('in the core', () => {
  it('refuses a throttled login before verifyCredentials runs, and counts an unknown user like a known one', async () => {
    let calls = 0;
    const auth = createGatepass({
      secret: 'x'.repeat(32),
      loginThrottle: { maxFailures: 2, maxFailuresPerAddress: 100 },
      verifyCredentials: ({ username, password }) => (calls++, username === 'johndoe' && password === 'secret' ? { subject: 'johndoe' } : null),
      resolveUser: () => null,
    });
    const form = (username: string, password: string, clientAddress?: string) => ({
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ username, password }).toString(),
      clientAddress,
    });
    for (const username of ['johndoe', 'nobody']) {
      for (let i = 0; i < 2; i++) expect((await rejection(auth.issueToken(form(username, 'wrong', '10.0.0.1')), TokenRequestError)).code).toBe('ERR_INVALID_GRANT');
      const before = calls;
      const refused = await rejection(auth.issueToken(form(username, 'secret', '10.0.0.2')), TokenRequestError);
      expect([refused.code, refused.status, refused.retryAfter, calls]).toEqual(['ERR_TOO_MANY_ATTEMPTS', 429, 900, before]);
    }
  });

  it('counts the spellings of one username together: case and Unicode compatibility forms', async () => {
    const auth = createGatepass({ secret: 'x'.repeat(32), loginThrottle: { maxFailures: 2, maxFailuresPerAddress: 100 }, verifyCredentials: () => null, resolveUser: () => null });
    const form = (username: string) => ({ contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams({ username, password: 'wrong' }).toString() });
    expect((await rejection(auth.issueToken(form('JohnDoe')), TokenRequestError)).code).toBe('ERR_INVALID_GRANT');
    expect((await rejection(auth.issueToken(form('ｊｏｈｎｄｏｅ')), TokenRequestError)).code).toBe('ERR_INVALID_GRANT');
    expect((await rejection(auth.issueToken(form('johndoe')), TokenRequestError)).code).toBe('ERR_TOO_MANY_ATTEMPTS');
    expect((await rejection(auth.issueToken(form('janedoe')), TokenRequestError)).code).toBe('ERR_INVALID_GRANT');
  });

  it('clears the username on a success, and gives the address only its attempt back', async () => {
    const auth = createGatepass({
      secret: 'x'.repeat(32),
      loginThrottle: { maxFailures: 2 },
      verifyCredentials: ({ username, password }) => (password === 'secret' ? { subject: username } : null),
      resolveUser: () => null,
    });
    const form = (username: string, password: string) => ({
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ username, password }).toString(),
      clientAddress: '10.0.0.3',
    });
    await rejection(auth.issueToken(form('carol', 'wrong')), TokenRequestError);
    await auth.issueToken(form('carol', 'secret'));
    // carol starts afresh; the address keeps its failure: one more failure, from any username, is its last.
    await rejection(auth.issueToken(form('carol', 'wrong')), TokenRequestError);
    expect((await rejection(auth.issueToken(form('dave', 'secret')), TokenRequestError)).code).toBe('ERR_TOO_MANY_ATTEMPTS');
  });

  it('gives the attempts back when the server fails to judge the login (a 5xx), and keeps them for a 4xx', async () => {
    let answer: () => never = () => {
      throw new Error('database down');
    };
    const auth = createGatepass({
      secret: 'x'.repeat(32),
      loginThrottle: { maxFailures: 1 },
      verifyCredentials: () => answer(),
      resolveUser: () => null,
    });
    const form = { contentType: 'application/x-www-form-urlencoded', body: 'username=erin&password=pw', clientAddress: '10.0.0.4' };
    for (let i = 0; i < 3; i++) expect((await rejection(auth.issueToken(form), TokenRequestError)).code).toBe('ERR_HOOK_FAILED');
    answer = () => {
      throw new TokenRequestError('ERR_INVALID_CLIENT');
    };
    expect((await rejection(auth.issueToken(form), TokenRequestError)).code).toBe('ERR_INVALID_CLIENT');
    expect((await rejection(auth.issueToken(form), TokenRequestError)).code).toBe('ERR_TOO_MANY_ATTEMPTS');
  });
});

describe.each(adapters)('$name, counters in memory', (adapter) => {
  describe('a flood of wrong passwords from one address', () => {
    const app = serve(adapter, async () => (await securityEngine({ loginThrottle: { maxFailures: 3 } })).auth);

    it('is answered 429 after maxFailures, while another user from another address logs in', async () => {
      for (let i = 0; i < 3; i++) expect(await wrong(app(), '127.0.1.1', 'johndoe')).toMatchObject({ status: 400, body: INVALID_GRANT });
      // The address is over its limit, whatever the username; so is johndoe, whatever the address.
      expectTooMany(await wrong(app(), '127.0.1.1', 'johndoe'), 900);
      expectTooMany(await login(app(), '127.0.1.1', 'jos\u00e9', PASSWORD), 900);
      expectTooMany(await login(app(), '127.0.1.2', 'johndoe', PASSWORD), 900);
      // Another user, from another address, is not throttled by any of it.
      expectToken(await login(app(), '127.0.1.3', 'jos\u00e9', PASSWORD));
    });
  });

  describe('the 429', () => {
    const app = serve(adapter, async () => (await securityEngine({ loginThrottle: { maxFailures: 2 } })).auth);

    it('is the same answer for an existing and an unknown username', async () => {
      const refusals: Answer[] = [];
      for (const [username, from] of [
        ['johndoe', '127.0.2.1'],
        ['nobody', '127.0.2.2'],
      ] as const) {
        for (let i = 0; i < 2; i++) expect(await wrong(app(), from, username)).toMatchObject({ status: 400, body: INVALID_GRANT });
        // From a fresh address: only the username's count refuses it.
        refusals.push(await wrong(app(), `${from}0`, username));
      }
      const [known, unknown] = refusals as [Answer, Answer];
      const knownWait = expectTooMany(known, 900);
      const unknownWait = expectTooMany(unknown, 900);
      expect(Math.abs(knownWait - unknownWait)).toBeLessThanOrEqual(1);
      const shape = ({ headers }: Answer) => Object.keys(headers).filter((name) => !['date', 'keep-alive', 'connection'].includes(name)).sort();
      expect(shape(known)).toEqual(shape(unknown));
      expect(known.body).toEqual(unknown.body);
    });
  });

  describe('150 concurrent wrong logins from one address, with a hashing queue of 4', () => {
    const barrier = new Barrier();
    let verified = 0;
    const app = serve(adapter, async () => {
      const { auth } = await securityEngine({
        passwords: createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 4 }),
        loginThrottle: { maxFailures: 3 },
        beforeVerify: (form) => {
          verified++;
          return barrier.hold(form);
        },
      });
      return auth;
    });

    it('reach the hasher 3 at a time at most (the rest 429 at once), so another user is answered 200, not 503', async () => {
      const flood = Array.from({ length: 150 }, () => wrong(app(), '127.0.3.1', 'johndoe'));
      // The three counted attempts wait in verifyCredentials; every other one is refused without waiting.
      await barrier.arrived(3);
      const statuses = new Map<number, number>();
      // Every answer but the three held ones comes without waiting for them: wait for those 147 (not for
      // a deadline, which a loaded machine can miss), then see what they were.
      let answered = 0;
      let all147!: () => void;
      const answered147 = new Promise<void>((resolve) => (all147 = resolve));
      const refused = flood.map((pending) =>
        pending.then((answer) => {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (++answered === 147) all147();
        }),
      );
      await answered147;
      expect(statuses.get(429)).toBe(147);
      const other = login(app(), '127.0.3.2', 'jos\u00e9', PASSWORD);
      await barrier.arrived(4);
      expect(verified).toBe(4);
      barrier.release();
      expectToken(await other);
      await Promise.all(refused);
      expect(Object.fromEntries(statuses)).toEqual({ 400: 3, 429: 147 });
    });
  });

  describe('the same flood without loginThrottle (the control)', () => {
    const barrier = new Barrier();
    const app = serve(adapter, async () => {
      const { auth } = await securityEngine({
        passwords: createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 4 }),
        beforeVerify: (form) => barrier.hold(form),
      });
      return auth;
    });

    it('fills the hashing queue, and the other user is answered 503', async () => {
      const flood = Array.from({ length: 150 }, () => wrong(app(), '127.0.5.1', 'johndoe'));
      await barrier.arrived(150);
      const other = login(app(), '127.0.5.2', 'jos\u00e9', PASSWORD);
      await barrier.arrived(151);
      barrier.release();
      expect((await other).status).toBe(503);
      const statuses = (await Promise.all(flood)).map((answer) => answer.status);
      expect(statuses.filter((status) => status === 400)).toHaveLength(5);
    });
  });
});

// redis-server comes from Debian (.ci/run installs it): a missing one skips, loudly; under CI it fails.
const redisRuns = redisSuitesRun('the Redis login-throttle tests');

describe.runIf(redisRuns)('counters in a real redis-server', () => {
  let redis: RedisServer;
  const clients: Array<{ close(): Promise<unknown> }> = [];
  const connect = async () => {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  };
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await redis?.close();
  });

  describe.each(adapters)('$name', (adapter) => {
    let client: Awaited<ReturnType<typeof connect>>;
    const errors: AuthError[] = [];
    const engine = async (onError?: (error: AuthError) => void) =>
      (
        await securityEngine({
          loginThrottle: { maxFailures: 2, redis: client, prefix: `test:login:${adapter.name}` },
          ...(onError === undefined ? {} : { onError }),
        })
      ).auth;
    // Two instances of one app, sharing the Redis counters.
    const first = serve(adapter, async () => {
      client = await connect();
      return engine((error) => errors.push(error));
    });
    const second = serve(adapter, () => engine());

    it('limits a flood from one address on every instance, while another user from another address logs in', async () => {
      expect(await wrong(first(), '127.0.4.1', 'johndoe')).toMatchObject({ status: 400, body: INVALID_GRANT });
      expect(await wrong(second(), '127.0.4.1', 'johndoe')).toMatchObject({ status: 400, body: INVALID_GRANT });
      expectTooMany(await wrong(first(), '127.0.4.1', 'nobody'), 900);
      expectTooMany(await wrong(second(), '127.0.4.2', 'johndoe'), 900);
      expectToken(await login(second(), '127.0.4.3', 'jos\u00e9', PASSWORD));
      // The keys hold digests, not the usernames or addresses.
      const keys = await client.keys(`test:login:${adapter.name}:*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) expect(key).toMatch(new RegExp(`^test:login:${adapter.name}:(user|address):[\\w-]{43}$`));
      expect(await client.pTTL(keys[0]!)).toBeGreaterThan(890_000);
    });

    it('fails closed while Redis is down (503 through onError, never a pass nor a 4xx), and works again once it is back', async () => {
      await redis.stop();
      errors.length = 0;
      const down = await login(first(), '127.0.4.5', 'jos\u00e9', PASSWORD);
      expect([down.status, down.body, down.headers['retry-after'], down.headers['cache-control']]).toEqual([503, UNAVAILABLE, '1', 'no-store']);
      expect(errors.map((error) => [error.code, error.status])).toEqual([['ERR_STORE_UNAVAILABLE', 503]]);
      await redis.restart();
      await expect.poll(() => client.isReady, { timeout: 10_000 }).toBe(true);
      expectToken(await login(first(), '127.0.4.5', 'jos\u00e9', PASSWORD));
      expect(await wrong(first(), '127.0.4.6', 'nobody')).toMatchObject({ status: 400, body: INVALID_GRANT });
    });
  });
});

describe('the Node adapters count the client address their framework derives', () => {
  // Behind a trusted proxy, every request comes from the proxy's socket: the framework's `ip` (from
  // X-Forwarded-For) tells the clients apart, and the default counts it.
  const trusting = {
    async express(auth: ReturnType<typeof throttled>) {
      const [{ default: express }, { tokenEndpoint }] = await Promise.all([import('express'), import('../../adapters/express.js')]);
      const app = express();
      app.set('trust proxy', true);
      app.all('/token', tokenEndpoint(auth));
      return listen((handler) => app.listen(0, '127.0.0.1', handler));
    },
    async koa(auth: ReturnType<typeof throttled>) {
      const [{ default: Koa }, { tokenEndpoint }] = await Promise.all([import('koa'), import('../../adapters/koa.js')]);
      const app = new Koa({ proxy: true });
      app.use(tokenEndpoint(auth));
      return listen((handler) => app.listen(0, '127.0.0.1', handler));
    },
    async fastify(auth: ReturnType<typeof throttled>) {
      const [{ default: Fastify }, { tokenEndpoint }] = await Promise.all([import('fastify'), import('../../adapters/fastify.js')]);
      const app = Fastify({ trustProxy: true });
      await app.register(tokenEndpoint(auth), { prefix: '/token' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, close: () => app.close() };
    },
  };
  const throttled = () =>
    createGatepass<GatepassUser>({ secret: 'x'.repeat(32), loginThrottle: { maxFailures: 100, maxFailuresPerAddress: 2 }, verifyCredentials: () => null, resolveUser: () => null });
  async function listen(start: (ready: () => void) => import('node:http').Server) {
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const created: import('node:http').Server = start(() => resolve(created));
    });
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise<void>((done) => server.close(() => done())) };
  }

  it.each(Object.keys(trusting) as Array<keyof typeof trusting>)('%s', async (name) => {
    const app = await trusting[name](throttled());
    try {
      const from = (client: string, username: string) =>
        fetch(`${app.url}/token`, { method: 'POST', headers: { 'x-forwarded-for': client }, body: new URLSearchParams({ username, password: 'wrong' }) });
      expect((await from('203.0.113.7', 'a')).status).toBe(400);
      expect((await from('203.0.113.7', 'b')).status).toBe(400);
      expect((await from('203.0.113.7', 'c')).status).toBe(429);
      // Another client behind the same proxy: its own count.
      expect((await from('198.51.100.9', 'd')).status).toBe(400);
    } finally {
      await app.close();
    }
  });
});
