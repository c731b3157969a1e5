// The cases several adapter suites share, written once. Each takes the app under test as a `Send` plus the
// few facts that differ between frameworks; what only one framework has stays in its own test file.
//
// Two shapes, because the suites drive their apps differently:
// - describeMiddlewareAdapter (Express, Koa; with middlewareRoutes for the routes it expects and
//   expectMiddlewareFactories for the option checks): a token endpoint mounted behind several body-parser
//   stacks, each case run at every path whose stack it applies to, with urlencoded text bodies and tokens
//   issued by the app's own endpoint or minted with jose;
// - tokenRouteCases / protectedRouteCases / forwardedCases (Fastify, fetch): one endpoint and one set of
//   guarded routes, URLSearchParams and streamed bodies, every JSON answer checked with expectAnswer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gatepass } from '../../src/index.js';
import type { AuthOptions, EndpointOptions } from '../../src/adapter-kit/options.js';
import { INVALID_GRANT, NOT_A_FORM, TOO_LARGE } from './answers.js';
import type { User } from './engine.js';
import {
  LOGIN,
  PADDING,
  bearer,
  big,
  chunked,
  expectAnswer,
  form,
  json,
  login,
  multipart,
  urlencoded,
  type Send,
  type Target,
} from './http.js';
import { tokens } from './tokens.js';

/** Checks the Content-Type header: equal to a string, or matching a pattern. */
function expectContentType(res: Response, expected: string | RegExp): void {
  if (typeof expected === 'string') expect(res.headers.get('content-type')).toBe(expected);
  else expect(res.headers.get('content-type')).toMatch(expected);
}

type Handler = (...args: never[]) => unknown;

/** The factories of a middleware adapter (Express, Koa), whose middleware type is `M`. */
export interface MiddlewareFactories<M> {
  requireAuth(auth: Gatepass<User>, options?: AuthOptions): M;
  optionalAuth(auth: Gatepass<User>, options?: AuthOptions): M;
  tokenEndpoint(auth: Gatepass<User>, options?: EndpointOptions): M;
}

/**
 * The routes describeMiddlewareAdapter expects, besides its token paths and `/boom`: the guards to mount
 * with GET before a handler that answers `{ user, scopes }`, more token endpoints to mount with POST, and
 * one to mount for every method (`app.all`, `router.all`).
 */
export function middlewareRoutes<M>(
  adapter: MiddlewareFactories<M>,
  auth: Gatepass<User>,
): { guards: [string, M][]; endpoints: [string, M][]; anyMethod: [string, M][] } {
  return {
    guards: [
      ['/me', adapter.requireAuth(auth)],
      ['/items', adapter.requireAuth(auth, { scopes: ['me', 'items'] })],
      ['/status', adapter.requireAuth(auth, { active: false })],
      ['/optional', adapter.optionalAuth(auth)],
      // Rendered by the app's authErrorHandler.
      ['/forward/me', adapter.requireAuth(auth, { forwardErrors: true })],
    ],
    endpoints: [
      ['/token/strict', adapter.tokenEndpoint(auth, { grantType: 'strict' })],
      ['/forward/token', adapter.tokenEndpoint(auth, { forwardErrors: true })],
    ],
    anyMethod: [['/any/token', adapter.tokenEndpoint(auth)]],
  };
}

/**
 * What both middleware adapters promise at creation: a mistyped or invalid option throws at once (a
 * TypeError, or the core's message for an undeclared scope), and what the factories return is named by
 * the adapters' one rule (`gatepassRequireAuth`…).
 */
export function expectMiddlewareFactories<M extends Handler>(
  adapter: MiddlewareFactories<M> & { authErrorHandler: Handler },
  auth: Gatepass<User>,
): void {
  expect(() => adapter.requireAuth(auth, { scope: ['me'] } as never)).toThrow(TypeError);
  expect(() => adapter.requireAuth(auth, { scope: ['me'] } as never)).toThrow(/ requireAuth: unknown option scope — did you mean scopes\?$/);
  expect(() => adapter.optionalAuth(auth, { Active: false } as never)).toThrow(/ optionalAuth: unknown option Active — did you mean active\?$/);
  expect(() => adapter.requireAuth(auth, { scopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
  expect(() => adapter.tokenEndpoint(auth, { grantType: 'loose' } as never)).toThrow(TypeError);
  expect(() => adapter.tokenEndpoint(auth, { grantType: 'Strict' } as never)).toThrow(/ tokenEndpoint: grantType must be 'lenient' or 'strict'$/);
  expect(() => adapter.tokenEndpoint(undefined as never)).toThrow(TypeError);
  expect(adapter.requireAuth(auth).name).toBe('gatepassRequireAuth');
  expect(adapter.optionalAuth(auth).name).toBe('gatepassOptionalAuth');
  expect(adapter.tokenEndpoint(auth).name).toBe('gatepassTokenEndpoint');
  expect(adapter.authErrorHandler.name).toBe('authErrorHandler');
}

export interface MiddlewareAdapterSuite {
  /**
   * Starts the app on listen(0), with the routes of {@link middlewareRoutes}, the token paths below (`/token`
   * with no body parser, the others each behind its own), and `/boom`: requireAuth, then a handler that
   * throws `boom`, which the app answers with 500 `{ error: message }`.
   */
  start(): Promise<Target>;
  /** Where the handler finds the principal, for a test name: `req.user and req.auth`. */
  principal: string;
  /** The Content-Type of the adapter's JSON answers. */
  contentType: string | RegExp;
  /** The token paths each case runs at (each mounted behind its own body-parser stack). */
  paths: {
    urlencoded: string[];
    multipart: string[];
    tooLarge: string[];
    chunked: string[];
    json: string[];
    wrongPassword: string[];
    /** Those of `wrongPassword` whose parser keeps a repeated parameter for the core to refuse. */
    repeatedParameter: string[];
  };
  /** More cases of the framework's own, declared inside `tokenEndpoint` and `forwardErrors + authErrorHandler`. */
  tokenEndpoint?(send: Send): void;
  forwardErrors?(send: Send): void;
}

/** The Express and Koa suite: the token endpoint at every parser stack, the guards, forwarded errors. */
export function describeMiddlewareAdapter(name: string, suite: MiddlewareAdapterSuite): void {
  const { paths } = suite;
  let target: Target | undefined;
  const send: Send = (path, init) => target!.send(path, init);
  /** A token issued by the app's own endpoint for johndoe, with more form fields (`&scope=me`). */
  const issued = async (extra = '') => {
    const res = await send('/token', urlencoded(login(extra)));
    return ((await res.json()) as { access_token: string }).access_token;
  };

  describe(name, () => {
    beforeAll(async () => {
      target = await suite.start();
    });
    afterAll(() => target?.close());

    describe('tokenEndpoint', () => {
      it.each(paths.urlencoded)('issues a token for a urlencoded form at %s', async (path) => {
        const res = await send(path, urlencoded(login('&scope=me')));
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('pragma')).toBe('no-cache');
        expectContentType(res, suite.contentType);
        expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, scope: 'me' });
      });

      it.each(paths.multipart)('issues a token for a multipart form at %s', async (path) => {
        const res = await send(path, multipart({ username: 'johndoe', password: 'secret', grant_type: 'password' }));
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800 });
      });

      it.each(paths.tooLarge)('answers a 70 KiB body with 413 at %s', async (path) => {
        for (const res of [await send(path, urlencoded(big())), await send(path, multipart({ pad: PADDING }))]) {
          expect(res.status).toBe(413);
          expect(res.headers.get('cache-control')).toBe('no-store');
          expect(await res.json()).toEqual(TOO_LARGE);
        }
      });

      it.each(paths.chunked)('answers a 70 KiB chunked body (no Content-Length) with 413 at %s', async (path) => {
        const res = await send(path, chunked(big()));
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(TOO_LARGE);
      });

      it.each(paths.json)('refuses a JSON body with 400 invalid_request at %s', async (path) => {
        const res = await send(path, json(JSON.stringify({ username: 'johndoe', password: 'secret' })));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(NOT_A_FORM);
      });

      it.each(paths.wrongPassword)('answers a wrong password with invalid_grant and a repeated parameter with invalid_request at %s', async (path) => {
        const wrong = await send(path, urlencoded('username=johndoe&password=nope'));
        expect(wrong.status).toBe(400);
        expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', detail: 'Incorrect username or password' });
        if (!paths.repeatedParameter.includes(path)) return;
        const repeated = await send(path, urlencoded(login('&username=carol')));
        expect(repeated.status).toBe(400);
        expect(await repeated.json()).toMatchObject({ error: 'invalid_request', error_description: 'Repeated parameter: username' });
      });

      // An extended parser (qs) makes `username[]=johndoe` an array: refused, never coerced to a string.
      it.each(paths.wrongPassword)('never coerces username[]= or username[a]= to a username at %s', async (path) => {
        for (const body of ['username[]=johndoe&password=secret', 'username[a]=johndoe&password=secret']) {
          const res = await send(path, urlencoded(body));
          expect(res.status, `${path} ${body}`).toBe(400);
          const answer = (await res.json()) as { error: string; error_description: string };
          expect(answer.error).toBe('invalid_request');
          // Without an extended parser the name is not `username` at all; with one, the value is not a string.
          expect(['Missing parameter: username', 'Invalid parameter: username']).toContain(answer.error_description);
        }
      });

      it('requires grant_type on the strict endpoint', async () => {
        const res = await send('/token/strict', urlencoded(login()));
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'Missing parameter: grant_type' });
        expect((await send('/token/strict', urlencoded(login('&grant_type=password')))).status).toBe(200);
      });

      it('answers other methods with 405, Allow: POST and a JSON body when mounted for every method', async () => {
        await expectMethodNotAllowed(send, '/any/token');
        expect((await send('/any/token', urlencoded(login()))).status).toBe(200);
      });

      suite.tokenEndpoint?.(send);
    });

    describe('requireAuth', () => {
      it(`lets a valid token through with ${suite.principal}`, async () => {
        const res = await send('/me', bearer(await issued('&scope=me')));
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ user: 'johndoe', scopes: ['me'] });
      });

      it('answers a request without a token with 401 Bearer', async () => {
        const res = await send('/me');
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expectContentType(res, suite.contentType);
        expect(await res.json()).toEqual({ detail: 'Not authenticated' });
      });

      it('answers a bad token with 401 invalid_token', async () => {
        const forged = await send('/me', bearer(await tokens.wrongSignature()));
        expect(forged.status).toBe(401);
        expect(forged.headers.get('www-authenticate')).toBe(
          'Bearer error="invalid_token", error_description="The access token signature is invalid"',
        );
        expect(await forged.json()).toEqual({ detail: 'Could not validate credentials' });
        const malformed = await send('/me', { headers: { authorization: 'Bearer abc def' } });
        expect(malformed.status).toBe(401);
        expect(malformed.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      });

      it('answers a missing scope with 403 insufficient_scope', async () => {
        const res = await send('/items', bearer(await issued('&scope=me')));
        expect(res.status).toBe(403);
        expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="me items"');
        expect(await res.json()).toEqual({ detail: 'Not enough permissions' });
        expect((await send('/items', bearer(await issued('&scope=me items')))).status).toBe(200);
      });

      it('answers an inactive user with 400, unless the route allows inactive users', async () => {
        const aliceToken = await tokens.valid('alice', ['me']);
        const res = await send('/me', bearer(aliceToken));
        expect(res.status).toBe(400);
        expect(res.headers.get('www-authenticate')).toBeNull();
        expect(await res.json()).toEqual({ detail: 'Inactive user' });
        expect((await send('/status', bearer(aliceToken))).status).toBe(200);
      });

      it('leaves an error thrown by the handler after a successful auth to the app (500, not 401)', async () => {
        const res = await send('/boom', bearer(await tokens.valid('johndoe', ['me'])));
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({ error: 'boom' });
      });

      it('answers a failing isActive hook with a 500 that says nothing of the failure', async () => {
        const res = await send('/me', bearer(await tokens.valid('broken', ['me'])));
        expect(res.status).toBe(500);
        expect(await res.json()).toEqual({ detail: 'Internal Server Error' });
      });
    });

    describe('optionalAuth', () => {
      it('passes an anonymous request with no user', async () => {
        const res = await send('/optional');
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ user: null, scopes: null });
      });

      it('sets the user for a valid token and refuses a bad one', async () => {
        const valid = await send('/optional', bearer(await tokens.valid('johndoe', ['me'])));
        expect(await valid.json()).toEqual({ user: 'johndoe', scopes: ['me'] });
        const res = await send('/optional', bearer('not-a-jwt'));
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      });
    });

    describe('forwardErrors + authErrorHandler', () => {
      it('renders forwarded guard errors exactly as the guard would', async () => {
        const res = await send('/forward/me');
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(await res.json()).toEqual({ detail: 'Not authenticated' });
        expect((await send('/forward/me', bearer(await tokens.valid('johndoe', ['me'])))).status).toBe(200);
      });

      it('renders forwarded token endpoint errors', async () => {
        const res = await send('/forward/token', json('{}'));
        expect(res.status).toBe(400);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(await res.json()).toEqual(NOT_A_FORM);
      });

      suite.forwardErrors?.(send);
    });
  });
}

/** Every token endpoint answers a method but POST itself: 405, `Allow: POST`, a JSON body (none for HEAD). */
async function expectMethodNotAllowed(send: Send, path: string): Promise<void> {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    await expectAnswer(await send(path, { method }), 405, { detail: 'Method Not Allowed' }, { allow: 'POST' });
  }
  const head = await send(path, { method: 'HEAD' });
  expect([head.status, head.headers.get('allow')]).toEqual([405, 'POST']);
}

/**
 * The token endpoint cases of the Fastify and fetch suites, declared in the current `describe`. `send`
 * reaches an app with the endpoint at `/token`, `grantType: 'strict'` at `/token/strict`, and a requireAuth
 * route at `me.path` that answers `me.body` for a johndoe token.
 */
export function tokenRouteCases(send: Send, me: { path: string; body: unknown }): void {
  it('issues a token for a urlencoded form', async () => {
    const res = await send('/token', form({ ...LOGIN, scope: 'me' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, scope: 'me' });
    await expectAnswer(await send(me.path, bearer(body.access_token as string)), 200, me.body);
  });

  it('issues a token for a multipart form', async () => {
    const res = await send('/token', multipart(LOGIN));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800 });
  });

  it('answers a 70 KiB body with 413, urlencoded, multipart or streamed without a length', async () => {
    await expectAnswer(await send('/token', form({ ...LOGIN, padding: PADDING })), 413, TOO_LARGE, { 'cache-control': 'no-store' });
    await expectAnswer(await send('/token', multipart({ ...LOGIN, padding: PADDING })), 413, TOO_LARGE);
    await expectAnswer(await send('/token', chunked(new URLSearchParams({ ...LOGIN, padding: PADDING }).toString(), 4096)), 413, TOO_LARGE);
    // The connection is still usable afterwards.
    expect((await send('/token', form(LOGIN))).status).toBe(200);
  });

  it('refuses JSON (even malformed) and other non-forms with 400 invalid_request: the body is not parsed before', async () => {
    await expectAnswer(await send('/token', json(JSON.stringify(LOGIN))), 400, NOT_A_FORM, { 'cache-control': 'no-store' });
    await expectAnswer(await send('/token', json('{"username":')), 400, NOT_A_FORM);
    await expectAnswer(await send('/token', { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } }), 400, NOT_A_FORM);
    // A media type that does not even parse: gatepass's answer, not the framework's 415.
    await expectAnswer(await send('/token', { method: 'POST', body: 'x', headers: { 'content-type': ';;;' } }), 400, NOT_A_FORM, {
      'cache-control': 'no-store',
    });
  });

  it('answers wrong credentials and the strict grant type as the core says', async () => {
    await expectAnswer(await send('/token', form({ ...LOGIN, password: 'nope' })), 400, INVALID_GRANT);
    const strict = await send('/token/strict', form(LOGIN));
    expect([strict.status, ((await strict.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
    expect((await send('/token/strict', form({ ...LOGIN, grant_type: 'password' }))).status).toBe(200);
  });

  it('answers other methods with 405, Allow: POST and a JSON body', async () => {
    await expectMethodNotAllowed(send, '/token');
  });
}

/**
 * The guard cases of the Fastify and fetch suites, declared in the current `describe`. The routes answer
 * `{ user, scopes }`: `me` (requireAuth), `items` (scopes me + items), `status` (active: false) and `maybe`
 * (optionalAuth).
 */
export function protectedRouteCases(send: Send, routes: { me: string; items: string; status: string; maybe: string }): void {
  it('hands the principal to the handler', async () => {
    await expectAnswer(await send(routes.me, bearer(await tokens.valid('johndoe', ['me']))), 200, { user: 'johndoe', scopes: ['me'] });
  });

  it('answers a request without credentials with 401 Bearer', async () => {
    await expectAnswer(await send(routes.me), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
    const basic = { headers: { authorization: 'Basic am9objpzZWNyZXQ=' } };
    await expectAnswer(await send(routes.me, basic), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
  });

  it('answers a bad token with 401 invalid_token', async () => {
    await expectAnswer(await send(routes.me, bearer(await tokens.wrongSignature())), 401, { detail: 'Could not validate credentials' }, {
      'www-authenticate': 'Bearer error="invalid_token", error_description="The access token signature is invalid"',
    });
    await expectAnswer(await send(routes.me, { headers: { authorization: 'Bearer abc def' } }), 401, { detail: 'Could not validate credentials' }, {
      'www-authenticate': 'Bearer error="invalid_token", error_description="The access token is malformed"',
    });
  });

  it('answers a missing scope with 403 and an inactive user with 400, in that order after the token', async () => {
    await expectAnswer(await send(routes.items, bearer(await tokens.valid('johndoe', ['me']))), 403, { detail: 'Not enough permissions' }, {
      'www-authenticate': 'Bearer error="insufficient_scope", scope="me items"',
    });
    await expectAnswer(await send(routes.items, bearer(await tokens.valid('johndoe', ['me', 'items']))), 200, { user: 'johndoe', scopes: ['me', 'items'] });
    await expectAnswer(await send(routes.items, bearer(await tokens.valid('alice', ['me']))), 400, { detail: 'Inactive user' }, { 'www-authenticate': null });
    await expectAnswer(await send(routes.status, bearer(await tokens.valid('alice'))), 200, { user: 'alice', scopes: [] });
  });

  it('lets an anonymous request through optionalAuth with null, but not a bad token', async () => {
    await expectAnswer(await send(routes.maybe), 200, { user: null, scopes: null });
    await expectAnswer(await send(routes.maybe, bearer(await tokens.valid('johndoe', ['me']))), 200, { user: 'johndoe', scopes: ['me'] });
    await expectAnswer(await send(routes.maybe, bearer(await tokens.valid())), 200, { user: 'johndoe', scopes: [] });
    const res = await send(routes.maybe, bearer(await tokens.expired()));
    expect([res.status, res.headers.get('www-authenticate')]).toEqual([401, 'Bearer error="invalid_token", error_description="The access token expired"']);
  });
}

/**
 * The forwardErrors case of the Fastify and fetch suites: `send` reaches an app whose error handler is the
 * adapter's authErrorHandler, with requireAuth({ forwardErrors: true, scopes: ['items'] }) at `routes.guard`
 * and tokenEndpoint({ forwardErrors: true }) at `routes.token`.
 */
export function forwardedCases(send: Send, routes: { guard: string; token: string }): void {
  it('throws AuthErrors to the error handler, which answers them like the adapter', async () => {
    await expectAnswer(await send(routes.guard), 401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
    await expectAnswer(await send(routes.guard, bearer(await tokens.valid('johndoe', ['me']))), 403, { detail: 'Not enough permissions' }, {
      'www-authenticate': 'Bearer error="insufficient_scope", scope="items"',
    });
    await expectAnswer(await send(routes.token, form({ ...LOGIN, password: 'nope' })), 400, INVALID_GRANT, { 'cache-control': 'no-store' });
    await expectAnswer(await send(routes.token, form({ ...LOGIN, padding: PADDING })), 413, TOO_LARGE);
  });
}
