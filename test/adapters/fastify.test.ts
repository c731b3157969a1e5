// The Fastify adapter against real Fastify 5 apps on listen(0), driven with fetch. The engine is real
// (createGatepass, argon2 with cheap parameters); tokens are minted with jose in test/support/tokens.ts.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gatepassDefault, { authErrorHandler, gatepass, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/fastify.js';
import { createGatepass, type Gatepass } from '../../src/index.js';
import { createPasswordHasher } from '../../src/password.js';
import { TEST_SECRET, tokens } from '../support/tokens.js';

// Shaped like examples/tutorial.ts's User: that file augments GatepassUser for the whole program.
interface User {
  username: string;
  full_name: string;
  email: string;
  disabled: boolean;
  scopes: string[];
  hashed_password: string;
}

async function engine(): Promise<Gatepass<User>> {
  const passwords = createPasswordHasher({ memoryCost: 1024, timeCost: 1 });
  const user = async (username: string, password: string, disabled: boolean, scopes: string[]): Promise<[string, User]> => [
    username,
    { username, full_name: username, email: `${username}@example.com`, disabled, scopes, hashed_password: await passwords.hash(password) },
  ];
  const users = new Map([await user('johndoe', 'secret', false, ['me', 'items']), await user('alice', 'secret2', true, ['me'])]);
  return createGatepass<User>({
    secret: TEST_SECRET,
    scopes: { me: 'Read information about the current user.', items: 'Read items.' },
    async verifyCredentials({ username, password }) {
      const found = users.get(username);
      if (!(await passwords.verifyUser(found?.hashed_password, password)) || found === undefined) return null;
      return { subject: found.username, scopes: found.scopes };
    },
    resolveUser: (claims) => users.get(claims.sub),
    isActive: (found) => !found.disabled,
  });
}

const apps: FastifyInstance[] = [];
async function serve(app: FastifyInstance): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return (path, init) => fetch(base + path, init);
}
afterAll(() => Promise.all(apps.map((app) => app.close())));

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });
const multipart = (fields: Record<string, string>): RequestInit => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return { method: 'POST', body: data };
};
/** A body sent in chunks without Content-Length, so only the core's streaming limit can stop it. */
const streamed = (text: string): RequestInit => {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.slice(at, at + 4096));
      controller.close();
    },
  });
  return { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
};

const login = { username: 'johndoe', password: 'secret' };
const padding = 'x'.repeat(70 * 1024);
const tooLarge = { error: 'invalid_request', error_description: 'Request body too large', detail: 'Request body too large' };
const notAForm = {
  error: 'invalid_request',
  error_description: 'Unsupported content type, expected a form',
  detail: 'Unsupported content type, expected a form',
};

async function expectAnswer(res: Response, status: number, body: unknown, headers: Record<string, string | null> = {}): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name), name).toBe(value);
  expect(await res.json()).toEqual(body);
}

let auth: Gatepass<User>;
beforeAll(async () => {
  auth = await engine();
});

describe.each([
  ['without @fastify/formbody', false],
  ['with @fastify/formbody', true],
])('token endpoint, %s', (_name, withFormbody) => {
  let send: (path: string, init?: RequestInit) => Promise<Response>;
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

  it('issues a token for a urlencoded form', async () => {
    const res = await send('/token', form({ ...login, scope: 'me' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, scope: 'me' });
    const me = await send('/users/me/', bearer(body.access_token as string));
    await expectAnswer(me, 200, { username: 'johndoe' });
  });

  it('issues a token for a multipart form', async () => {
    const res = await send('/token', multipart(login));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800 });
  });

  it('answers a 70 KiB body with 413, urlencoded, multipart or streamed without a length', async () => {
    await expectAnswer(await send('/token', form({ ...login, padding })), 413, tooLarge, { 'cache-control': 'no-store' });
    await expectAnswer(await send('/token', multipart({ ...login, padding })), 413, tooLarge);
    await expectAnswer(await send('/token', streamed(new URLSearchParams({ ...login, padding }).toString())), 413, tooLarge);
    // The connection is still usable afterwards.
    expect((await send('/token', form(login))).status).toBe(200);
  });

  it('refuses JSON (even malformed) with 400 invalid_request: Fastify does not parse the body', async () => {
    const json = (body: string): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await expectAnswer(await send('/token', json(JSON.stringify(login))), 400, notAForm, { 'cache-control': 'no-store' });
    await expectAnswer(await send('/token', json('{"username":')), 400, notAForm);
    await expectAnswer(await send('/token', { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } }), 400, notAForm);
  });

  it('answers wrong credentials and the strict grant type as the core says', async () => {
    await expectAnswer(await send('/token', form({ ...login, password: 'nope' })), 400, {
      error: 'invalid_grant',
      error_description: 'Incorrect username or password',
      detail: 'Incorrect username or password',
    });
    const strict = await send('/token/strict', form(login));
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as { error: string }).error).toBe('invalid_request');
    expect((await send('/token/strict', form({ ...login, grant_type: 'password' }))).status).toBe(200);
  });

  it('answers other methods with 405 and Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      await expectAnswer(await send('/token', { method }), 405, { detail: 'Method Not Allowed' }, { allow: 'POST' });
    }
    const head = await send('/token', { method: 'HEAD' });
    expect([head.status, head.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it("leaves the rest of the app's parsers alone", async () => {
    const res = await send('/echo', form({ a: '1' }));
    if (withFormbody) await expectAnswer(res, 200, { body: { a: '1' } });
    else expect(res.status).toBe(415);
  });
});

describe('protected routes', () => {
  let send: (path: string, init?: RequestInit) => Promise<Response>;
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

  it('sets request.user and request.auth for a valid token', async () => {
    await expectAnswer(await send('/users/me/', bearer(await tokens.valid('johndoe', ['me']))), 200, { user: 'johndoe', scopes: ['me'] });
    await expectAnswer(await send('/users/me', bearer(await tokens.valid())), 200, { user: 'johndoe', scopes: [] });
    await expectAnswer(await send('/open/'), 200, { user: null, scopes: null });
  });

  it('answers a request without credentials with 401 Bearer', async () => {
    await expectAnswer(await send('/users/me/'), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
    const basic = { headers: { authorization: 'Basic am9objpzZWNyZXQ=' } };
    await expectAnswer(await send('/users/me/', basic), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
  });

  it('answers a bad token with 401 invalid_token', async () => {
    await expectAnswer(await send('/users/me/', bearer(await tokens.wrongSignature())), 401, { detail: 'Could not validate credentials' }, {
      'www-authenticate': 'Bearer error="invalid_token", error_description="The access token signature is invalid"',
    });
    await expectAnswer(await send('/users/me/', { headers: { authorization: 'Bearer abc def' } }), 401, { detail: 'Could not validate credentials' }, {
      'www-authenticate': 'Bearer error="invalid_token", error_description="The access token is malformed"',
    });
  });

  it('answers a missing scope with 403 and an inactive user with 400, in that order after the token', async () => {
    await expectAnswer(await send('/items/', bearer(await tokens.valid('johndoe', ['me']))), 403, { detail: 'Not enough permissions' }, {
      'www-authenticate': 'Bearer error="insufficient_scope", scope="me items"',
    });
    await expectAnswer(await send('/items/', bearer(await tokens.valid('johndoe', ['me', 'items']))), 200, { user: 'johndoe', scopes: ['me', 'items'] });
    await expectAnswer(await send('/items/', bearer(await tokens.valid('alice', ['me']))), 400, { detail: 'Inactive user' }, { 'www-authenticate': null });
    await expectAnswer(await send('/status/', bearer(await tokens.valid('alice'))), 200, { user: 'alice', scopes: [] });
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

  it('lets an anonymous request through optionalAuth, but not a bad token', async () => {
    await expectAnswer(await send('/maybe/'), 200, { user: null, scopes: null });
    await expectAnswer(await send('/maybe/', bearer(await tokens.valid('johndoe', ['me']))), 200, { user: 'johndoe', scopes: ['me'] });
    const res = await send('/maybe/', bearer(await tokens.expired()));
    expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Bearer error="invalid_token", error_description="The access token expired"']);
  });

  it("passes an error thrown by the route's handler to Fastify: 500, not 401", async () => {
    const res = await send('/boom/', bearer(await tokens.valid()));
    expect(res.status).toBe(500);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toMatchObject({ statusCode: 500, message: 'the handler failed' });
  });
});

describe('forwardErrors', () => {
  let send: (path: string, init?: RequestInit) => Promise<Response>;
  let sendDefault: (path: string, init?: RequestInit) => Promise<Response>;
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

  it('hands AuthErrors to the error handler, which answers them like the adapter', async () => {
    await expectAnswer(await send('/me/'), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
    await expectAnswer(await send('/me/', bearer(await tokens.valid('johndoe', ['me']))), 403, { detail: 'Not enough permissions' }, {
      'www-authenticate': 'Bearer error="insufficient_scope", scope="items"',
    });
    await expectAnswer(await send('/me/', bearer(await tokens.valid('johndoe', ['items']))), 200, { user: 'johndoe' });
    await expectAnswer(await send('/maybe/'), 200, { user: null });
    await expectAnswer(await send('/maybe/', bearer('x')), 401, { detail: 'Could not validate credentials' });
    await expectAnswer(await send('/token', form({ ...login, password: 'nope' })), 400, {
      error: 'invalid_grant',
      error_description: 'Incorrect username or password',
      detail: 'Incorrect username or password',
    }, { 'cache-control': 'no-store' });
    await expectAnswer(await send('/token', form({ ...login, padding })), 413, tooLarge);
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
    expect(tokenEndpoint(auth).name).toBe('gatepassTokenRoute');
    expect(gatepassDefault).toBe(gatepass);
    expect((gatepass as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')]).toBe('gatepass');
    expect((gatepass as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(true);
  });

  it('throw at once for bad options', () => {
    expect(() => requireAuth({} as never)).toThrow(TypeError);
    expect(() => requireAuth(auth, { scope: ['me'] } as never)).toThrow(/unknown option "scope"/);
    expect(() => requireAuth(auth, { scopes: 'me' } as never)).toThrow(/invalid option "scopes"/);
    expect(() => requireAuth(auth, { scopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
    expect(() => optionalAuth(auth, { active: 'no' } as never)).toThrow(TypeError);
    expect(() => tokenEndpoint(auth, { grantType: 'loose' } as never)).toThrow(/invalid option "grantType"/);
    expect(() => tokenEndpoint(auth, { scopes: ['me'] } as never)).toThrow(/unknown option "scopes"/);
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
    expect((await send('/oauth/token', form(login))).status).toBe(200);
  });
});
