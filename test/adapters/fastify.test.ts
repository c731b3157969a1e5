// The Fastify adapter against real Fastify 5 apps on listen(0), driven with fetch. The engine is real
// (test/support/engine.ts: createGatepass, argon2 with cheap parameters); tokens are minted with jose in
// test/support/tokens.ts. The cases it shares with the fetch adapter are in test/support/adapter-cases.ts;
// this file keeps the Fastify wiring and what only Fastify has (plugin encapsulation, onRequest hooks,
// its parsers and error handler).
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gatepassDefault, { authErrorHandler, gatepass, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/fastify.js';
import type { Gatepass } from '../../src/index.js';
import { forwardedCases, protectedRouteCases, tokenRouteCases } from '../support/adapter-cases.js';
import { testEngine, type User } from '../support/engine.js';
import { LOGIN, bearer, expectAnswer, form, type Send } from '../support/http.js';
import { tokens } from '../support/tokens.js';

const apps: FastifyInstance[] = [];
async function serve(app: FastifyInstance): Promise<Send> {
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return (path, init) => fetch(base + path, init);
}
afterAll(() => Promise.all(apps.map((app) => app.close())));

let auth: Gatepass<User>;
beforeAll(async () => {
  auth = await testEngine();
});

describe.each([
  ['without @fastify/formbody', false],
  ['with @fastify/formbody', true],
])('token endpoint, %s', (_name, withFormbody) => {
  let send: Send;
  beforeAll(async () => {
    const app = Fastify();
    if (withFormbody) await app.register(formbody);
    await app.register(gatepass);
    await app.register(tokenEndpoint(auth), { prefix: '/token' });
    await app.register(tokenEndpoint(auth, { grantType: 'strict' }), { prefix: '/token/strict' });
    app.post('/echo', (request) => ({ body: request.body }));
    app.get('/users/me/', { onRequest: requireAuth(auth) }, (request) => ({ username: request.user?.username }));
    send = await serve(app);
  });

  tokenRouteCases((path, init) => send(path, init), { path: '/users/me/', body: { username: 'johndoe' } });

  it("leaves the rest of the app's parsers alone", async () => {
    const res = await send('/echo', form({ a: '1' }));
    if (withFormbody) await expectAnswer(res, 200, { body: { a: '1' } });
    else expect(res.status).toBe(415);
  });
});

describe('protected routes', () => {
  let send: Send;
  const parsed: string[] = [];
  beforeAll(async () => {
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await app.register(gatepassDefault);
    app.addContentTypeParser('application/x-probe', (request, _payload, done) => {
      parsed.push(request.url);
      done(null, {});
    });
    const show = (request: { user: User | null; auth: { scopes: string[] } | null }) => ({
      user: request.user?.username ?? null,
      scopes: request.auth?.scopes ?? null,
    });
    app.get('/users/me/', { onRequest: requireAuth(auth) }, show);
    app.post('/users/me/', { onRequest: requireAuth(auth) }, show);
    app.get('/items/', { onRequest: requireAuth(auth, { scopes: ['me', 'items'] }) }, show);
    app.get('/status/', { onRequest: requireAuth(auth, { active: false }) }, show);
    app.get('/maybe/', { onRequest: optionalAuth(auth) }, show);
    app.get('/open/', show);
    app.get('/boom/', { onRequest: requireAuth(auth) }, () => {
      throw new Error('the handler failed');
    });
    send = await serve(app);
  });

  protectedRouteCases((path, init) => send(path, init), { me: '/users/me/', items: '/items/', status: '/status/', maybe: '/maybe/' });

  it('sets request.user and request.auth with or without the trailing slash, and leaves them null on open routes', async () => {
    await expectAnswer(await send('/users/me', bearer(await tokens.valid())), 200, { user: 'johndoe', scopes: [] });
    await expectAnswer(await send('/open/'), 200, { user: null, scopes: null });
  });

  it('refuses a repeated Authorization header', async () => {
    const token = await tokens.valid();
    const { status, challenge } = await new Promise<{ status: number | undefined; challenge: unknown }>((resolve, reject) => {
      const url = new URL('/users/me/', `http://127.0.0.1:${(apps.at(-1)!.server.address() as AddressInfo).port}`);
      const request = httpRequest(url, (res) => {
        res.resume();
        resolve({ status: res.statusCode, challenge: res.headers['www-authenticate'] });
      });
      // An array value sends the header twice.
      request.setHeader('authorization', [`Bearer ${token}`, `Bearer ${token}`]);
      request.on('error', reject).end();
    });
    expect(status).toBe(400);
    expect(challenge).toBe('Bearer error="invalid_request", error_description="The access token was sent in more than one place"');
  });

  it('authenticates in onRequest, before the body is parsed', async () => {
    const init = { method: 'POST', body: 'x', headers: { 'content-type': 'application/x-probe' } };
    expect((await send('/users/me/', init)).status).toBe(401);
    expect(parsed).toEqual([]);
    const res = await send('/users/me/', { ...init, headers: { ...init.headers, authorization: `Bearer ${await tokens.valid()}` } });
    expect(res.status).toBe(200);
    expect(parsed).toEqual(['/users/me/']);
  });

  it("passes an error thrown by the route's handler to Fastify: 500, not 401", async () => {
    const res = await send('/boom/', bearer(await tokens.valid()));
    expect(res.status).toBe(500);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toMatchObject({ statusCode: 500, message: 'the handler failed' });
  });
});

describe('forwardErrors', () => {
  let send: Send;
  let sendDefault: Send;
  beforeAll(async () => {
    const app = Fastify();
    await app.register(gatepass);
    app.setErrorHandler(authErrorHandler);
    await app.register(tokenEndpoint(auth, { forwardErrors: true }), { prefix: '/token' });
    app.get('/me/', { onRequest: requireAuth(auth, { forwardErrors: true, scopes: ['items'] }) }, (request) => ({ user: request.user?.username }));
    app.get('/maybe/', { onRequest: optionalAuth(auth, { forwardErrors: true }) }, (request) => ({ user: request.user?.username ?? null }));
    app.get('/boom/', () => {
      throw new Error('not ours');
    });
    send = await serve(app);

    // Without authErrorHandler, Fastify's default handler still takes the status and headers from the error.
    const plain = Fastify();
    await plain.register(gatepass);
    plain.get('/me/', { onRequest: requireAuth(auth, { forwardErrors: true }) }, () => ({}));
    sendDefault = await serve(plain);
  });

  forwardedCases((path, init) => send(path, init), { guard: '/me/', token: '/token' });

  it('lets a token with the scope through, and forwards the errors of optionalAuth too', async () => {
    await expectAnswer(await send('/me/', bearer(await tokens.valid('johndoe', ['items']))), 200, { user: 'johndoe' });
    await expectAnswer(await send('/maybe/'), 200, { user: null });
    await expectAnswer(await send('/maybe/', bearer('x')), 401, { detail: 'Could not validate credentials' });
  });

  it('leaves other errors to Fastify', async () => {
    const res = await send('/boom/');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ statusCode: 500, message: 'not ours' });
  });

  it("keeps the status and challenge with Fastify's default error handler", async () => {
    const res = await sendDefault('/me/');
    expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect(await res.json()).toMatchObject({ statusCode: 401, code: 'ERR_NOT_AUTHENTICATED' });
  });
});

describe('factories', () => {
  it('return named functions and a named plugin', () => {
    expect(requireAuth(auth).name).toBe('gatepassRequireAuth');
    expect(optionalAuth(auth).name).toBe('gatepassOptionalAuth');
    expect(tokenEndpoint(auth).name).toBe('gatepassTokenEndpointPlugin');
    expect(gatepassDefault).toBe(gatepass);
    expect((gatepass as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')]).toBe('gatepass');
    expect((gatepass as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(true);
  });

  it('throw at once for bad options', () => {
    expect(() => requireAuth({} as never)).toThrow(TypeError);
    expect(() => requireAuth(auth, { scope: ['me'] } as never)).toThrow('gatepass/fastify requireAuth: unknown option scope — did you mean scopes?');
    expect(() => requireAuth(auth, { scopes: 'me' } as never)).toThrow('gatepass/fastify requireAuth: scopes must be an array of scope names');
    expect(() => requireAuth(auth, { scopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
    expect(() => optionalAuth(auth, { active: 'no' } as never)).toThrow(TypeError);
    expect(() => tokenEndpoint(auth, { grantType: 'Strict' } as never)).toThrow("gatepass/fastify tokenEndpoint: grantType must be 'lenient' or 'strict'");
    expect(() => tokenEndpoint(auth, { scopes: ['me'] } as never)).toThrow(/^gatepass\/fastify tokenEndpoint: unknown option scopes$/);
    expect(() => requireAuth(auth, null as never)).toThrow(TypeError);
  });

  it("copy the caller's options and never change them", async () => {
    const options = { scopes: ['me'] };
    const frozen = Object.freeze({ scopes: Object.freeze(['me']), forwardErrors: false });
    const app = Fastify();
    await app.register(gatepass);
    app.get('/me/', { onRequest: requireAuth(auth, options) }, () => ({ ok: true }));
    app.get('/frozen/', { onRequest: requireAuth(auth, frozen) }, () => ({ ok: true }));
    const send = await serve(app);
    options.scopes.push('items');
    expect((await send('/me/', bearer(await tokens.valid('johndoe', ['me'])))).status).toBe(200);
    expect((await send('/frozen/', bearer(await tokens.valid('johndoe', ['me'])))).status).toBe(200);
  });

  it('serve the token endpoint at any prefix, without the gatepass plugin', async () => {
    const app = Fastify();
    await app.register(tokenEndpoint(auth), { prefix: '/oauth/token' });
    const send = await serve(app);
    expect((await send('/oauth/token', form(LOGIN))).status).toBe(200);
  });
});
