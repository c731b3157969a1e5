// The contract's "Throttling" on the example apps, each started as a user starts it: with
// GATEPASS_LOGIN_LIMIT=N, at most N failed logins per username and per client address in 15 minutes, then
// 429 with Retry-After and one RFC 6749 body for existing and unknown users alike, while another user from
// another address logs in; without it, no throttling whatever the traffic; with GATEPASS_REDIS_URL, the
// counters live in that Redis, shared by every instance. Clients send from their own loopback addresses
// (./support/from-address.ts), so each app sees them as distinct clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_NAMES } from './support/adapters.js';
import { INVALID_GRANT, tokenError } from './support/answers.js';
import { RUNTIME_NAMES, runtimeBinary, runtimeVersion, startExample, type ExampleName, type ExampleServer } from './support/example-server.js';
import { loginFrom, type Answer } from './support/from-address.js';
import { redisSuitesRun, startRedisServer, type RedisServer } from './support/redis-server.js';

const TOO_MANY = tokenError('temporarily_unavailable', 'Too many failed login attempts, retry later', 'Too many login attempts');
const WINDOW = 15 * 60;

// Bun and Deno come with npm install, redis-server from Debian (.ci/run installs it): a missing one skips
// its tests here, loudly; under CI they fail instead.
const inCi = Boolean(process.env.CI);
const runtimes = RUNTIME_NAMES.filter((runtime) => inCi || runtimeVersion(runtime) !== null);
for (const runtime of RUNTIME_NAMES.filter((name) => !runtimes.includes(name))) {
  console.warn(`SKIPPED ${runtime} (server) throttling tests: ${runtimeBinary(runtime)} does not run (npm install)`);
}
const redisRuns = redisSuitesRun("the example apps' Redis throttling test");

const portOf = (server: ExampleServer): number => Number(new URL(server.url).port);
const login = (server: ExampleServer, from: string, username: string, password: string): Promise<Answer> =>
  loginFrom(portOf(server), from, username, password);

function expectTooMany(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(429);
  expect(answer.body).toEqual(TOO_MANY);
  expect(answer.headers['content-type']).toMatch(/^application\/json\b/);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(WINDOW);
}

const examples: ExampleName[] = [...ADAPTER_NAMES, ...runtimes];

describe.each(examples)('examples/%s.ts', (name) => {
  // Each app in its own loopback /16, so no two apps' clients share an address.
  const net = `127.${20 + examples.indexOf(name)}`;

  describe('with GATEPASS_LOGIN_LIMIT=3', () => {
    let server: ExampleServer;
    beforeAll(async () => {
      server = await startExample(name, { env: { GATEPASS_LOGIN_LIMIT: '3', GATEPASS_REDIS_URL: undefined } });
    });
    afterAll(() => server?.stop());

    it('limits a flood from one address, answers an existing and an unknown user alike, and lets another user in from another address', async () => {
      for (let i = 0; i < 3; i++) expect(await login(server, `${net}.1.1`, 'johndoe', 'wrong')).toMatchObject({ status: 400, body: INVALID_GRANT });
      const existing = await login(server, `${net}.1.2`, 'johndoe', 'wrong');
      for (let i = 0; i < 3; i++) expect(await login(server, `${net}.2.1`, 'nobody', 'wrong')).toMatchObject({ status: 400, body: INVALID_GRANT });
      const unknown = await login(server, `${net}.2.2`, 'nobody', 'wrong');
      expectTooMany(existing);
      expectTooMany(unknown);
      // johndoe is refused from anywhere, even with his password; the flooding address for any user, where
      // the runtime tells the address (workerd gives a Worker none but Cloudflare's CF-Connecting-IP header,
      // which nothing sets in front of a local workerd: there, logins are limited per username only).
      expectTooMany(await login(server, `${net}.3.1`, 'johndoe', 'secret'));
      const fromFlood = await login(server, `${net}.1.1`, 'alice', 'secret2');
      if (name === 'workerd') expect(fromFlood.status).toBe(200);
      else expectTooMany(fromFlood);
      const other = await login(server, `${net}.4.1`, 'alice', 'secret2');
      expect(other.status, JSON.stringify(other.body)).toBe(200);
      expect(other.body).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
    });
  });

  describe('without GATEPASS_LOGIN_LIMIT', () => {
    let server: ExampleServer;
    beforeAll(async () => {
      server = await startExample(name, { env: { GATEPASS_LOGIN_LIMIT: undefined, GATEPASS_REDIS_URL: undefined } });
    });
    afterAll(() => server?.stop());

    it('never throttles: 30 wrong passwords from one address are each answered invalid_grant, and the right one still works', async () => {
      const statuses = new Set<number>();
      for (let i = 0; i < 30; i++) statuses.add((await login(server, `${net}.5.1`, 'johndoe', `wrong-${i}`)).status);
      expect([...statuses]).toEqual([400]);
      expect((await login(server, `${net}.5.1`, 'johndoe', 'secret')).status).toBe(200);
    });
  });
});

describe.runIf(redisRuns)('with GATEPASS_REDIS_URL and GATEPASS_LOGIN_LIMIT=2', () => {
  let redis: RedisServer;
  let first: ExampleServer;
  let second: ExampleServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { GATEPASS_LOGIN_LIMIT: '2', GATEPASS_REDIS_URL: redis.url };
    [first, second] = await Promise.all([startExample('express', { env }), startExample('fetch', { env })]);
  });
  afterAll(async () => {
    await Promise.allSettled([first?.stop(), second?.stop()]);
    await redis?.close();
  });

  it('counts in that Redis: failures on one instance are refused on the other', async () => {
    expect(await login(first, '127.0.30.1', 'johndoe', 'wrong')).toMatchObject({ status: 400, body: INVALID_GRANT });
    expect(await login(second, '127.0.30.1', 'nobody', 'wrong')).toMatchObject({ status: 400, body: INVALID_GRANT });
    // The address has failed twice, across the two instances.
    expectTooMany(await login(second, '127.0.30.1', 'alice', 'secret2'));
    expectTooMany(await login(first, '127.0.30.1', 'alice', 'secret2'));
    expect((await login(second, '127.0.30.2', 'alice', 'secret2')).status).toBe(200);
  });
});
