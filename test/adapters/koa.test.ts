// The Koa adapter on a real server (listen(0) + fetch) with a real engine, with no body parser, with
// @koa/bodyparser and with koa-bodyparser: statuses, challenges and bodies exactly as the core answers them.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser as koaBodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { SignJWT } from 'jose';
import Koa, { type Middleware } from 'koa';
import legacyBodyParser from 'koa-bodyparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/koa.js';
import { createGatepass } from '../../src/index.js';
import { createPasswordHasher } from '../../src/password.js';

const SECRET = 'koa-adapter-test-secret-of-32-bytes-or-more';
const passwords = createPasswordHasher({ memoryCost: 1024, timeCost: 1 });

// Shaped like the tutorial's user, which augments GatepassUser for the whole program.
interface User {
  username: string;
  full_name: string;
  email: string;
  disabled: boolean;
  scopes: string[];
  hashed_password: string;
}
const users = new Map<string, User>();
const user = (username: string, disabled: boolean, scopes: string[], hash: string): User => ({
  username,
  full_name: username,
  email: `${username}@example.com`,
  disabled,
  scopes,
  hashed_password: hash,
});

const auth = createGatepass<User>({
  secret: SECRET,
  scopes: { me: 'Me.', items: 'Items.' },
  async verifyCredentials({ username, password }) {
    const found = users.get(username);
    if (!(await passwords.verifyUser(found?.hashed_password, password)) || found === undefined) return null;
    return { subject: found.username, scopes: found.scopes };
  },
  resolveUser: (claims) => users.get(claims.sub),
  isActive: (u) => {
    if (u.username === 'broken') throw new Error('isActive failed');
    return !u.disabled;
  },
});

const mint = (sub: string, scope: string, secret = SECRET) =>
  new SignJWT({ sub, scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));

const FORM = 'application/x-www-form-urlencoded';
const login = (extra = '') => `username=johndoe&password=secret${extra}`;
const big = () => `username=johndoe&password=secret&pad=${'x'.repeat(70 * 1024)}`;
const multipart = (fields: Record<string, string>) => {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
};
const chunked = (text: string): RequestInit =>
  ({
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    }),
    duplex: 'half',
  }) as RequestInit;

const TOO_LARGE = { error: 'invalid_request', error_description: 'Request body too large', detail: 'Request body too large' };
const BAD_TYPE = {
  error: 'invalid_request',
  error_description: 'Unsupported content type, expected a form',
  detail: 'Unsupported content type, expected a form',
};

/** A body parser that leaves only decoded fields (no `rawBody`), like multipart parsers do. */
const fieldsOnly: Middleware = async (ctx, next) => {
  let text = '';
  for await (const chunk of ctx.req) text += String(chunk);
  (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(text));
  await next();
};

const PARSERS: Record<string, Middleware[]> = {
  '/token': [],
  '/koa-bodyparser/token': [koaBodyParser()],
  '/koa-bodyparser-1mb/token': [koaBodyParser({ formLimit: '1mb' })],
  '/legacy-bodyparser/token': [legacyBodyParser()],
  '/legacy-bodyparser-1mb/token': [legacyBodyParser({ formLimit: '1mb' })],
  '/fields-only/token': [fieldsOnly],
};

function buildApp(): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  const show: Middleware = (ctx) => {
    ctx.body = { user: ctx.state.user?.username ?? null, scopes: ctx.state.auth?.scopes ?? null };
  };
  for (const [path, parsers] of Object.entries(PARSERS)) router.post(path, ...parsers, tokenEndpoint(auth));
  router.post('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
  router.get('/me', requireAuth(auth), show);
  router.get('/items', requireAuth(auth, { scopes: ['me', 'items'] }), show);
  router.get('/status', requireAuth(auth, { active: false }), show);
  router.get('/optional', optionalAuth(auth), show);
  router.get('/forward/me', requireAuth(auth, { forwardErrors: true }), show);
  router.post('/forward/token', tokenEndpoint(auth, { forwardErrors: true }));
  router.get('/unhandled/me', requireAuth(auth, { forwardErrors: true }), show);
  router.get('/boom', requireAuth(auth), () => {
    throw new Error('boom');
  });
  // The app's own last resort, then the adapter's handler for forwarded errors (except under /unhandled).
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (ctx.path.startsWith('/unhandled/')) throw err;
      const status = (err as { status?: unknown }).status;
      ctx.status = typeof status === 'number' ? status : 500;
      ctx.body = { error: (err as Error).message };
    }
  });
  app.use(async (ctx, next) => (ctx.path.startsWith('/unhandled/') ? next() : authErrorHandler(ctx, next)));
  app.use(router.routes());
  return app;
}

beforeAll(async () => {
  users.set('johndoe', user('johndoe', false, ['me', 'items'], await passwords.hash('secret')));
  users.set('carol', user('carol', false, ['me'], await passwords.hash('secret')));
  users.set('alice', user('alice', true, ['me'], await passwords.hash('secret2')));
  users.set('broken', user('broken', false, ['me'], await passwords.hash('secret')));
});

describe('option checks', () => {
  it('throws at creation on a mistyped or invalid option, and returns named functions', () => {
    expect(() => requireAuth(auth, { scope: ['me'] } as never)).toThrow(TypeError);
    expect(() => requireAuth(auth, { scopes: [''] })).toThrow(TypeError);
    expect(() => requireAuth(auth, { scopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
    expect(() => optionalAuth(auth, { forwardErrors: 1 } as never)).toThrow(TypeError);
    expect(() => tokenEndpoint(auth, { grantType: 'loose' } as never)).toThrow(TypeError);
    expect(() => tokenEndpoint(undefined as never)).toThrow(TypeError);
    expect(requireAuth(auth).name).toBe('requireAuth');
    expect(optionalAuth(auth).name).toBe('optionalAuth');
    expect(tokenEndpoint(auth).name).toBe('tokenEndpoint');
    expect(authErrorHandler.name).toBe('authErrorHandler');
  });
});

describe('Koa', () => {
  let server: Server;
  let base: string;
  const call = (path: string, init?: RequestInit) => fetch(base + path, init);
  const post = (path: string, body: NonNullable<RequestInit['body']>, type?: string, init: RequestInit = {}) =>
    call(path, { method: 'POST', body, ...(type && { headers: { 'content-type': type } }), ...init });
  const token = async (extra = '') => {
    const res = await post('/token', login(extra), FORM);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const bearer = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });

  beforeAll(async () => {
    server = buildApp().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  describe('tokenEndpoint', () => {
    const paths = Object.keys(PARSERS);

    it.each(paths)('issues a token for a urlencoded form at %s', async (path) => {
      const res = await post(path, login('&scope=me'), FORM);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, scope: 'me' });
    });

    it.each(paths.filter((p) => p !== '/fields-only/token'))('issues a token for a multipart form at %s', async (path) => {
      const res = await post(path, multipart({ username: 'johndoe', password: 'secret', grant_type: 'password' }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800 });
    });

    it.each(['/token', '/koa-bodyparser-1mb/token', '/legacy-bodyparser-1mb/token', '/fields-only/token'])(
      'answers a 70 KiB body with 413 at %s',
      async (path) => {
        for (const res of [await post(path, big(), FORM), await post(path, multipart({ pad: 'x'.repeat(70 * 1024) }))]) {
          expect(res.status).toBe(413);
          expect(res.headers.get('cache-control')).toBe('no-store');
          expect(await res.json()).toEqual(TOO_LARGE);
        }
      },
    );

    it.each(['/token', '/koa-bodyparser-1mb/token', '/legacy-bodyparser-1mb/token'])(
      'answers a 70 KiB chunked body (no Content-Length) with 413 at %s',
      async (path) => {
        const res = await call(path, { method: 'POST', headers: { 'content-type': FORM }, ...chunked(big()) });
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(TOO_LARGE);
      },
    );

    it.each(['/koa-bodyparser/token', '/legacy-bodyparser/token'])(
      'lets a body parser with its default 56 KiB limit refuse a 70 KiB form first (413) at %s',
      async (path) => {
        expect((await post(path, big(), FORM)).status).toBe(413);
        // Multipart is not theirs to parse: the core reads the stream and applies its own limit.
        const res = await post(path, multipart({ pad: 'x'.repeat(70 * 1024) }));
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(TOO_LARGE);
      },
    );

    it.each(['/token', '/koa-bodyparser/token', '/legacy-bodyparser/token'])('refuses a JSON body with 400 invalid_request at %s', async (path) => {
      const res = await post(path, JSON.stringify({ username: 'johndoe', password: 'secret' }), 'application/json');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(BAD_TYPE);
    });

    it.each(paths)('answers a wrong password and a repeated parameter with 400 at %s', async (path) => {
      const wrong = await post(path, 'username=johndoe&password=nope', FORM);
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', detail: 'Incorrect username or password' });
      if (path === '/fields-only/token') return; // Object.fromEntries keeps only the last value.
      const repeated = await post(path, login('&username=carol'), FORM);
      expect(repeated.status).toBe(400);
      expect(await repeated.json()).toMatchObject({ error: 'invalid_request', error_description: 'Repeated parameter: username' });
    });

    it('requires grant_type on the strict endpoint', async () => {
      const res = await post('/token/strict', login(), FORM);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'Missing parameter: grant_type' });
      expect((await post('/token/strict', login('&grant_type=password'), FORM)).status).toBe(200);
    });
  });

  describe('requireAuth', () => {
    it('lets a valid token through with ctx.state.user and ctx.state.auth', async () => {
      const res = await call('/me', bearer(await token('&scope=me')));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ user: 'johndoe', scopes: ['me'] });
    });

    it('answers a request without a token with 401 Bearer', async () => {
      const res = await call('/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ detail: 'Not authenticated' });
    });

    it('answers a bad token with 401 invalid_token', async () => {
      const forged = await call('/me', bearer(await mint('johndoe', 'me', 'another-secret-that-is-32-bytes-long!!')));
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_token", error_description="The access token signature is invalid"',
      );
      expect(await forged.json()).toEqual({ detail: 'Could not validate credentials' });
      const malformed = await call('/me', { headers: { authorization: 'Bearer abc def' } });
      expect(malformed.status).toBe(401);
      expect(malformed.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    });

    it('answers a missing scope with 403 insufficient_scope', async () => {
      const res = await call('/items', bearer(await token('&scope=me')));
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="me items"');
      expect(await res.json()).toEqual({ detail: 'Not enough permissions' });
      expect((await call('/items', bearer(await token('&scope=me items')))).status).toBe(200);
    });

    it('answers an inactive user with 400, unless the route allows inactive users', async () => {
      const aliceToken = await mint('alice', 'me');
      const res = await call('/me', bearer(aliceToken));
      expect(res.status).toBe(400);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toEqual({ detail: 'Inactive user' });
      expect((await call('/status', bearer(aliceToken))).status).toBe(200);
    });

    it('leaves an error thrown by the handler after a successful auth to the app (500, not 401)', async () => {
      const res = await call('/boom', bearer(await mint('johndoe', 'me')));
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'boom' });
    });

    it('answers a failing isActive hook with a 500 that says nothing of the failure', async () => {
      const res = await call('/me', bearer(await mint('broken', 'me')));
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ detail: 'Internal Server Error' });
    });
  });

  describe('optionalAuth', () => {
    it('passes an anonymous request with no user', async () => {
      const res = await call('/optional');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ user: null, scopes: null });
    });

    it('sets the user for a valid token and refuses a bad one', async () => {
      expect(await (await call('/optional', bearer(await mint('johndoe', 'me')))).json()).toEqual({ user: 'johndoe', scopes: ['me'] });
      const res = await call('/optional', bearer('not-a-jwt'));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    });
  });

  describe('forwardErrors', () => {
    it('authErrorHandler renders thrown guard errors exactly as the guard would', async () => {
      const res = await call('/forward/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ detail: 'Not authenticated' });
      expect((await call('/forward/me', bearer(await mint('johndoe', 'me')))).status).toBe(200);
    });

    it('authErrorHandler renders thrown token endpoint errors', async () => {
      const res = await post('/forward/token', '{}', 'application/json');
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual(BAD_TYPE);
    });

    it("without authErrorHandler, Koa's own error handling keeps the status and the challenge", async () => {
      const res = await call('/unhandled/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });
  });
});
