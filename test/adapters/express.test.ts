// The Express adapter on real servers (listen(0) + fetch), the same cases on Express 5 and Express 4,
// with a real engine: statuses, challenges and bodies exactly as the core answers them. The cases it shares
// with Koa are in test/support/adapter-cases.ts; this file keeps the Express wiring and what only Express has.
import express5, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
// @ts-expect-error express4 is express@4 installed under an alias; it has no types of its own.
import express4Untyped from 'express4';
import { beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/express.js';
import type { Gatepass } from '../../src/index.js';
import { describeMiddlewareAdapter, expectMiddlewareFactories, middlewareRoutes } from '../support/adapter-cases.js';
import { testEngine, type User } from '../support/engine.js';
import { listening } from '../support/http.js';

const express4 = express4Untyped as typeof express5;

let auth: Gatepass<User>;
beforeAll(async () => {
  auth = await testEngine();
});

function buildApp(express: typeof express5): Express {
  const app = express();
  const show: RequestHandler = (req, res) => {
    res.json({ user: req.user?.username ?? null, scopes: req.auth?.scopes ?? null });
  };
  const routes = middlewareRoutes({ requireAuth, optionalAuth, tokenEndpoint }, auth);
  for (const [path, guard] of routes.guards) app.get(path, guard, show);
  for (const [path, endpoint] of routes.endpoints) app.post(path, endpoint);
  for (const [path, endpoint] of routes.anyMethod) app.all(path, endpoint);
  app.post('/token', tokenEndpoint(auth));
  app.post('/urlencoded/token', express.urlencoded({ extended: false }), tokenEndpoint(auth));
  app.post('/extended/token', express.urlencoded({ extended: true }), tokenEndpoint(auth));
  app.post('/json/token', express.json(), express.urlencoded({ extended: false }), tokenEndpoint(auth));
  app.get('/boom', requireAuth(auth), () => {
    throw new Error('boom');
  });
  app.use(authErrorHandler);
  const lastResort: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    res.status(500).json({ error: err.message });
  };
  app.use(lastResort);
  return app;
}

describe('option checks', () => {
  it('throws at creation on a mistyped or invalid option, and returns named functions', () => {
    expectMiddlewareFactories({ requireAuth, optionalAuth, tokenEndpoint, authErrorHandler }, auth);
    expect(() => requireAuth(auth, { scopes: 'me' } as never)).toThrow(TypeError);
    expect(() => optionalAuth(auth, { active: 'no' } as never)).toThrow(TypeError);
    expect(authErrorHandler.length).toBe(4);
  });
});

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describeMiddlewareAdapter(name, {
    start: () => listening(buildApp(express).listen(0, '127.0.0.1')),
    principal: 'req.user and req.auth',
    contentType: /^application\/json/,
    paths: {
      urlencoded: ['/token', '/urlencoded/token', '/extended/token', '/json/token'],
      multipart: ['/token', '/urlencoded/token', '/json/token'],
      tooLarge: ['/token', '/urlencoded/token', '/json/token'],
      chunked: ['/token'],
      json: ['/token', '/json/token'],
      wrongPassword: ['/token', '/urlencoded/token', '/extended/token'],
      repeatedParameter: ['/token', '/urlencoded/token', '/extended/token'],
    },
  });
}
