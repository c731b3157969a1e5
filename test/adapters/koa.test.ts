// The Koa adapter on a real server (listen(0) + fetch) with a real engine, with no body parser, with
// @koa/bodyparser and with koa-bodyparser: statuses, challenges and bodies exactly as the core answers them.
// The cases it shares with Express are in test/support/adapter-cases.ts; this file keeps the Koa wiring and
// what only Koa has (its parsers' own 413, its error handling without authErrorHandler).
import { bodyParser as koaBodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import legacyBodyParser from 'koa-bodyparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/koa.js';
import type { Gatepass } from '../../src/index.js';
import { describeMiddlewareAdapter, expectMiddlewareFactories, middlewareRoutes } from '../support/adapter-cases.js';
import { TOO_LARGE } from '../support/answers.js';
import { testEngine, type User } from '../support/engine.js';
import { PADDING, big, listening, multipart, urlencoded } from '../support/http.js';

let auth: Gatepass<User>;
beforeAll(async () => {
  auth = await testEngine();
});

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
const paths = Object.keys(PARSERS);

function buildApp(): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  const show: Middleware = (ctx) => {
    ctx.body = { user: ctx.state.user?.username ?? null, scopes: ctx.state.auth?.scopes ?? null };
  };
  const routes = middlewareRoutes({ requireAuth, optionalAuth, tokenEndpoint }, auth);
  for (const [path, guard] of routes.guards) router.get(path, guard, show);
  for (const [path, endpoint] of routes.endpoints) router.post(path, endpoint);
  for (const [path, endpoint] of routes.anyMethod) router.all(path, endpoint);
  for (const [path, parsers] of Object.entries(PARSERS)) router.post(path, ...parsers, tokenEndpoint(auth));
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

describe('option checks', () => {
  it('throws at creation on a mistyped or invalid option, and returns named functions', () => {
    expectMiddlewareFactories({ requireAuth, optionalAuth, tokenEndpoint, authErrorHandler }, auth);
    expect(() => requireAuth(auth, { scopes: [''] })).toThrow(TypeError);
    expect(() => optionalAuth(auth, { forwardErrors: 1 } as never)).toThrow(TypeError);
  });
});

describeMiddlewareAdapter('Koa', {
  start: () => listening(buildApp().listen(0, '127.0.0.1')),
  principal: 'ctx.state.user and ctx.state.auth',
  contentType: 'application/json',
  paths: {
    urlencoded: paths,
    multipart: paths.filter((p) => p !== '/fields-only/token'),
    tooLarge: ['/token', '/koa-bodyparser-1mb/token', '/legacy-bodyparser-1mb/token', '/fields-only/token'],
    chunked: ['/token', '/koa-bodyparser-1mb/token', '/legacy-bodyparser-1mb/token'],
    json: ['/token', '/koa-bodyparser/token', '/legacy-bodyparser/token'],
    wrongPassword: paths,
    // Object.fromEntries keeps only the last value.
    repeatedParameter: paths.filter((p) => p !== '/fields-only/token'),
  },

  tokenEndpoint(send) {
    it.each(['/koa-bodyparser/token', '/legacy-bodyparser/token'])(
      'lets a body parser with its default 56 KiB limit refuse a 70 KiB form first (413) at %s',
      async (path) => {
        expect((await send(path, urlencoded(big()))).status).toBe(413);
        // Multipart is not theirs to parse: the core reads the stream and applies its own limit.
        const res = await send(path, multipart({ pad: PADDING }));
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual(TOO_LARGE);
      },
    );
  },

  forwardErrors(send) {
    it("without authErrorHandler, Koa's own error handling keeps the status and the challenge", async () => {
      const res = await send('/unhandled/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });
  },
});
