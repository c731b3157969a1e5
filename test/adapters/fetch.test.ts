// The fetch adapter, one suite run twice: a plain fetch router on a real node:http server (through
// @hono/node-server's getRequestListener, on listen(0)) and a Hono app driven in memory with app.fetch.
// The engine is real (createGatepass, argon2 with cheap parameters); tokens are minted with jose.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/fetch.js';
import { BearerError, createGatepass, type Gatepass, type Principal } from '../../src/index.js';
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

type Send = (path: string, init?: RequestInit) => Promise<Response>;

const show = (principal: Principal<User> | null): Response =>
  Response.json({ user: principal?.user.username ?? null, scopes: principal?.scopes ?? null });

/** The routes every target serves, as fetch handlers made with the adapter. */
function handlers(auth: Gatepass<User>) {
  return {
    '/token': tokenEndpoint(auth),
    '/token/strict': tokenEndpoint(auth, { grantType: 'strict' }),
    '/token/forwarded': tokenEndpoint(auth, { forwardErrors: true }),
    '/users/me': requireAuth(auth)((_request, principal) => show(principal)),
    '/items': requireAuth(auth, { scopes: ['me', 'items'] })((_request, principal) => show(principal)),
    '/status': requireAuth(auth, { active: false })((_request, principal) => show(principal)),
    '/maybe': optionalAuth(auth)((_request, principal) => show(principal)),
    '/forwarded': requireAuth(auth, { forwardErrors: true, scopes: ['items'] })((_request, principal) => show(principal)),
    '/boom': requireAuth(auth)(() => {
      throw new Error('the handler failed');
    }),
  } satisfies Record<string, (request: Request) => Promise<Response>>;
}

/** A plain fetch router on node:http: no framework, errors rendered by authErrorHandler. */
async function nodeTarget(auth: Gatepass<User>, servers: Server[]): Promise<Send> {
  const routes: Record<string, (request: Request) => Promise<Response>> = handlers(auth);
  const router = (request: Request): Promise<Response> => {
    const route = routes[new URL(request.url).pathname];
    return route === undefined ? Promise.resolve(Response.json({ detail: 'Not Found' }, { status: 404 })) : route(request);
  };
  const server = createServer(getRequestListener(router, { errorHandler: authErrorHandler, overrideGlobalObjects: false }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (path, init) => fetch(base + path, init);
}

/** A Hono app in memory: the wrapped handlers get the Hono context as an extra argument. */
function honoTarget(auth: Gatepass<User>): Send {
  const app = new Hono();
  for (const [path, handler] of Object.entries(handlers(auth))) app.all(path, (c) => handler(c.req.raw));
  const withContext = requireAuth(auth)((_request, { user }, c: Context, suffix: string) => c.json({ user: user.username + suffix }));
  app.get('/context', (c) => withContext(c.req.raw, c, '!'));
  app.onError(authErrorHandler);
  return async (path, init) => app.fetch(new Request(`http://localhost${path}`, init));
}

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
const invalidGrant = { error: 'invalid_grant', error_description: 'Incorrect username or password', detail: 'Incorrect username or password' };

async function expectAnswer(res: Response, status: number, body: unknown, headers: Record<string, string | null> = {}): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name), name).toBe(value);
  expect(await res.json()).toEqual(body);
}

let auth: Gatepass<User>;
const servers: Server[] = [];
beforeAll(async () => {
  auth = await engine();
});
afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

describe.each([
  ['node:http via getRequestListener', 'node'],
  ['Hono in memory', 'hono'],
] as const)('%s', (_name, kind) => {
  let send: Send;
  beforeAll(async () => {
    send = kind === 'node' ? await nodeTarget(auth, servers) : honoTarget(auth);
  });

  describe('token endpoint', () => {
    it('issues a token for a urlencoded form', async () => {
      const res = await send('/token', form({ ...login, scope: 'me' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, scope: 'me' });
      await expectAnswer(await send('/users/me', bearer(body.access_token as string)), 200, { user: 'johndoe', scopes: ['me'] });
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
      expect((await send('/token', form(login))).status).toBe(200);
    });

    it('refuses a JSON body with 400 invalid_request', async () => {
      const res = await send('/token', { method: 'POST', body: JSON.stringify(login), headers: { 'content-type': 'application/json' } });
      await expectAnswer(res, 400, {
        error: 'invalid_request',
        error_description: 'Unsupported content type, expected a form',
        detail: 'Unsupported content type, expected a form',
      }, { 'cache-control': 'no-store' });
    });

    it('answers wrong credentials and the strict grant type as the core says', async () => {
      await expectAnswer(await send('/token', form({ ...login, password: 'nope' })), 400, invalidGrant);
      const strict = await send('/token/strict', form(login));
      expect([strict.status, ((await strict.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
      expect((await send('/token/strict', form({ ...login, grant_type: 'password' }))).status).toBe(200);
    });

    it('answers other methods with 405, Allow: POST and a JSON body', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        await expectAnswer(await send('/token', { method }), 405, { detail: 'Method Not Allowed' }, { allow: 'POST' });
      }
    });
  });

  describe('protected routes', () => {
    it('hands the principal to the handler', async () => {
      await expectAnswer(await send('/users/me', bearer(await tokens.valid('johndoe', ['me']))), 200, { user: 'johndoe', scopes: ['me'] });
      await expectAnswer(await send('/items', bearer(await tokens.valid('johndoe', ['me', 'items']))), 200, { user: 'johndoe', scopes: ['me', 'items'] });
    });

    it('answers a request without credentials with 401 Bearer', async () => {
      await expectAnswer(await send('/users/me'), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
    });

    it('answers a bad token with 401 invalid_token', async () => {
      await expectAnswer(await send('/users/me', bearer(await tokens.wrongSignature())), 401, { detail: 'Could not validate credentials' }, {
        'www-authenticate': 'Bearer error="invalid_token", error_description="The access token signature is invalid"',
      });
    });

    it('answers a missing scope with 403 and an inactive user with 400', async () => {
      await expectAnswer(await send('/items', bearer(await tokens.valid('johndoe', ['me']))), 403, { detail: 'Not enough permissions' }, {
        'www-authenticate': 'Bearer error="insufficient_scope", scope="me items"',
      });
      await expectAnswer(await send('/items', bearer(await tokens.valid('alice', ['me']))), 400, { detail: 'Inactive user' }, { 'www-authenticate': null });
      await expectAnswer(await send('/status', bearer(await tokens.valid('alice'))), 200, { user: 'alice', scopes: [] });
    });

    it('lets an anonymous request through optionalAuth with null, but not a bad token', async () => {
      await expectAnswer(await send('/maybe'), 200, { user: null, scopes: null });
      await expectAnswer(await send('/maybe', bearer(await tokens.valid())), 200, { user: 'johndoe', scopes: [] });
      const res = await send('/maybe', bearer(await tokens.expired()));
      expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Bearer error="invalid_token", error_description="The access token expired"']);
    });

    it("leaves an error thrown by the route's handler to the error handler: 500, not 401", async () => {
      await expectAnswer(await send('/boom', bearer(await tokens.valid())), 500, { detail: 'Internal Server Error' }, { 'www-authenticate': null });
    });
  });

  describe('forwardErrors with authErrorHandler', () => {
    it('throws AuthErrors to the error handler, which answers them like the adapter', async () => {
      await expectAnswer(await send('/forwarded'), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
      await expectAnswer(await send('/forwarded', bearer(await tokens.valid('johndoe', ['me']))), 403, { detail: 'Not enough permissions' }, {
        'www-authenticate': 'Bearer error="insufficient_scope", scope="items"',
      });
      await expectAnswer(await send('/token/forwarded', form({ ...login, password: 'nope' })), 400, invalidGrant, { 'cache-control': 'no-store' });
      await expectAnswer(await send('/token/forwarded', form({ ...login, padding })), 413, tooLarge);
    });
  });
});

describe('the wrappers, called directly', () => {
  it('pass extra arguments through to the handler (Hono context)', async () => {
    const res = await honoTarget(auth)('/context', bearer(await tokens.valid()));
    await expectAnswer(res, 200, { user: 'johndoe!' });
  });

  it("never catch the handler's own error", async () => {
    const failure = new Error('mine');
    const guarded = requireAuth(auth)(() => Promise.reject(failure));
    await expect(guarded(new Request('http://localhost/', bearer(await tokens.valid())))).rejects.toBe(failure);
  });

  it('throw AuthErrors with forwardErrors, and rethrow other errors from the core', async () => {
    const forwarded = requireAuth(auth, { forwardErrors: true })(() => new Response());
    await expect(forwarded(new Request('http://localhost/'))).rejects.toBeInstanceOf(BearerError);
    const broken = { ...auth, authenticate: () => Promise.reject(new RangeError('not an auth error')) } as Gatepass<User>;
    await expect(requireAuth(broken)(() => new Response())(new Request('http://localhost/'))).rejects.toBeInstanceOf(RangeError);
  });

  it('authErrorHandler answers anything that is not an AuthError with a JSON 500', async () => {
    await expectAnswer(authErrorHandler(new Error('x')), 500, { detail: 'Internal Server Error' });
    await expectAnswer(authErrorHandler('a string'), 500, { detail: 'Internal Server Error' });
    await expectAnswer(authErrorHandler(new BearerError('ERR_INSUFFICIENT_SCOPE', { scopes: ['me'] })), 403, { detail: 'Not enough permissions' }, {
      'www-authenticate': 'Bearer error="insufficient_scope", scope="me"',
    });
  });

  it('are named, and throw at once for bad options', () => {
    expect(requireAuth(auth).name).toBe('withRequiredAuth');
    expect(requireAuth(auth)(() => new Response()).name).toBe('gatepassRequireAuth');
    expect(optionalAuth(auth)(() => new Response()).name).toBe('gatepassOptionalAuth');
    expect(tokenEndpoint(auth).name).toBe('gatepassTokenEndpoint');
    expect(() => requireAuth({} as never)).toThrow(TypeError);
    expect(() => requireAuth(auth, { scopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
    expect(() => requireAuth(auth, { scope: ['me'] } as never)).toThrow(/unknown option "scope"/);
    expect(() => optionalAuth(auth, { active: 1 } as never)).toThrow(/invalid option "active"/);
    expect(() => tokenEndpoint(auth, { grantType: 'loose' } as never)).toThrow(/invalid option "grantType"/);
    expect(() => requireAuth(auth)('not a handler' as never)).toThrow(TypeError);
  });

  it("copy the caller's options", async () => {
    const options = { scopes: ['me'] };
    const guarded = requireAuth(auth, options)((_request, principal) => show(principal));
    options.scopes.push('items');
    const res = await guarded(new Request('http://localhost/', bearer(await tokens.valid('johndoe', ['me']))));
    expect(res.status).toBe(200);
  });

  it('use only Web APIs', () => {
    const source = readFileSync(new URL('../../adapters/fetch.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from ['"]node:|\bBuffer\b|\bprocess\./);
  });
});
