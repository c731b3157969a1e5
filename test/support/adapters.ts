// The adapter registry every suite reads: one entry per file in adapters/ (test/adapter-registry.test.ts
// checks that the two lists are the same), each the factory of a small app that serves the same routes
// with whatever engine a test builds, on its own node:http server on 127.0.0.1:0. Nothing is mocked: real
// Express 5, Koa 3, Fastify 5, and the fetch adapter on node:http through @hono/node-server, each left
// with its framework defaults. The client's address (for loginThrottle) is the socket's on every app:
// the Node adapters' default, and on the fetch app what @hono/node-server passes after the request. `describe.each(adapters)` runs one test body against every app, as h3's
// describeMatrix does; ADAPTER_NAMES is the list for suites that start each adapter's example app.
//
//   /token         tokenEndpoint(engine), for every method (405 for any but POST)
//   GET  /me       requireAuth(engine)                     → {"sub": …, "scopes": […]}
//   GET  /scoped   requireAuth(engine, { scopes: ['me'] }) → same
//   GET  /health   no auth                                 → {"ok": true}
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll } from 'vitest';
import * as expressAdapter from '../../adapters/express.js';
import * as fastifyAdapter from '../../adapters/fastify.js';
import * as fetchAdapter from '../../adapters/fetch.js';
import * as koaAdapter from '../../adapters/koa.js';
import type { Gatepass, GatepassUser, Principal } from '../../src/index.js';

/** A running app. */
export interface App {
  readonly adapter: AdapterName;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every open connection (raw sockets a test left open included). */
  close(): Promise<void>;
}

export interface StartOptions {
  /** The scopes `GET /scoped` requires; they must be declared by the engine. Default `['me']`. */
  scopes?: readonly string[];
  /** Fastify only: turn its logger on, writing to `process.stdout` (so an output spy sees each line). */
  logger?: boolean;
}

/** Starts an adapter's app with `engine`. */
export type StartApp = (engine: Gatepass<unknown>, options?: StartOptions) => Promise<App>;

export interface Adapter {
  readonly name: AdapterName;
  start: StartApp;
}

// The engine's user type varies per test; the routes only read the principal's claims and scopes. The
// Express, Koa and Fastify adapters type users as GatepassUser (which examples/tutorial.ts augments).
type AnyEngine = Gatepass<unknown>;
const asAppEngine = (engine: AnyEngine): Gatepass<GatepassUser> => engine as unknown as Gatepass<GatepassUser>;
const shown = (principal: Principal<unknown>) => ({ sub: principal.claims.sub, scopes: principal.scopes });
const HEALTH = { ok: true };

async function listening(server: Server, adapter: AdapterName): Promise<App> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    adapter,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const startExpress: StartApp = async (anyEngine, options = {}) => {
  const { requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint } = expressAdapter;
  const engine = asAppEngine(anyEngine);
  const app = express();
  app.all('/token', tokenEndpoint(engine));
  app.all('/jwks', jwksEndpoint(engine));
  app.all('/logout', logoutEndpoint(engine));
  app.get('/me', requireAuth(engine), (req, res) => {
    res.json(shown(req.auth as Principal<unknown>));
  });
  app.get('/scoped', requireAuth(engine, { scopes: [...(options.scopes ?? ['me'])] }), (req, res) => {
    res.json(shown(req.auth as Principal<unknown>));
  });
  app.get('/health', (_req, res) => {
    res.json(HEALTH);
  });
  return listening(createServer(app), 'express');
};

const startKoa: StartApp = async (anyEngine, options = {}) => {
  const { requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint } = koaAdapter;
  const engine = asAppEngine(anyEngine);
  const app = new Koa();
  const router = new Router();
  router.all('/token', tokenEndpoint(engine));
  router.all('/jwks', jwksEndpoint(engine));
  router.all('/logout', logoutEndpoint(engine));
  router.get('/me', requireAuth(engine), (ctx) => {
    ctx.body = shown(ctx.state.auth as Principal<unknown>);
  });
  router.get('/scoped', requireAuth(engine, { scopes: [...(options.scopes ?? ['me'])] }), (ctx) => {
    ctx.body = shown(ctx.state.auth as Principal<unknown>);
  });
  router.get('/health', (ctx) => {
    ctx.body = HEALTH;
  });
  app.use(router.routes());
  return listening(createServer(app.callback()), 'koa');
};

const startFastify: StartApp = async (anyEngine, options = {}) => {
  const { gatepass, requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint } = fastifyAdapter;
  const engine = asAppEngine(anyEngine);
  const app = Fastify(options.logger === true ? { logger: { level: 'info', stream: process.stdout } } : {});
  await app.register(gatepass);
  await app.register(tokenEndpoint(engine), { prefix: '/token' });
  app.route({ method: ['GET', 'HEAD', 'POST', 'DELETE'], url: '/jwks', handler: jwksEndpoint(engine) });
  app.all('/logout', logoutEndpoint(engine));
  app.get('/me', { onRequest: requireAuth(engine) }, (request) => shown(request.auth as Principal<unknown>));
  app.get('/scoped', { onRequest: requireAuth(engine, { scopes: [...(options.scopes ?? ['me'])] }) }, (request) =>
    shown(request.auth as Principal<unknown>),
  );
  app.get('/health', () => HEALTH);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const running = await listening(app.server, 'fastify');
  return {
    ...running,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
};

const startFetch: StartApp = async (engine, options = {}) => {
  const { requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint, authErrorHandler } = fetchAdapter;
  const routes: Record<string, (request: Request, env: HttpBindings) => Promise<Response>> = {
    '/token': tokenEndpoint(engine, { clientAddress: (_request, env: HttpBindings) => env.incoming.socket.remoteAddress }),
    '/jwks': jwksEndpoint(engine),
    '/logout': logoutEndpoint(engine),
    '/me': requireAuth(engine)(async (_request, principal) => Response.json(shown(principal))),
    '/scoped': requireAuth(engine, { scopes: [...(options.scopes ?? ['me'])] })(async (_request, principal) => Response.json(shown(principal))),
    '/health': async () => Response.json(HEALTH),
  };
  const router = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
    const route = routes[new URL(request.url).pathname];
    return route === undefined ? Response.json({ detail: 'Not Found' }, { status: 404 }) : route(request, env as HttpBindings);
  };
  const server = createServer(getRequestListener(router, { errorHandler: authErrorHandler, overrideGlobalObjects: false }));
  return listening(server, 'fetch');
};

/** Each adapter's app, by the name of its file in adapters/. */
const APPS = { express: startExpress, koa: startKoa, fastify: startFastify, fetch: startFetch } satisfies Record<string, StartApp>;

export type AdapterName = keyof typeof APPS;

/** Every adapter's name: `express`, `koa`, `fastify`, `fetch`. */
export const ADAPTER_NAMES = Object.keys(APPS) as AdapterName[];

/** Every adapter, for `describe.each(adapters)('$name', (adapter) => …)`. */
export const adapters: readonly Adapter[] = ADAPTER_NAMES.map((name) => ({ name, start: APPS[name] }));

/**
 * Starts `engine` on one adapter for the enclosing `describe` and closes it afterwards: returns a getter
 * for the running app (valid inside tests).
 */
export function serve(adapter: Adapter, engine: () => Promise<AnyEngine> | AnyEngine, options: StartOptions = {}): () => App {
  let app: App | undefined;
  beforeAll(async () => {
    app = await adapter.start(await engine(), options);
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (app === undefined) throw new Error('the app is not started');
    return app;
  };
}
