// Another middleware answers first (a request timeout such as connect-timeout, a proxy), and gatepass's
// answer comes later: a guard whose resolveUser settles after the timeout, a token endpoint whose
// verifyCredentials does. Nothing may escape a promise chain (an unhandled rejection ends a Node
// process): the client keeps the first answer, the server keeps serving. Real Express 5 and 4, Koa,
// Fastify, and Hono's own timeout middleware in front of the fetch adapter, each on a real server.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import Router from '@koa/router';
import express5 from 'express';
// @ts-expect-error express4 is express@4 installed under an alias; it has no types of its own.
import express4Untyped from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { timeout } from 'hono/timeout';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as expressAdapter from '../../adapters/express.js';
import * as fastifyAdapter from '../../adapters/fastify.js';
import * as fetchAdapter from '../../adapters/fetch.js';
import * as koaAdapter from '../../adapters/koa.js';
import type { Gatepass, GatepassUser, Login } from '../../src/index.js';
import { ADAPTER_NAMES, type AdapterName } from '../support/adapters.js';
import { PASSWORD, securityEngine } from '../support/engine.js';
import { claims, hmacToken } from '../support/tokens.js';

const express4 = express4Untyped as typeof express5;

/** When the other middleware answers, and when the app's hook settles: well after it. */
const FIRST_ANSWER_MS = 150;
const HOOK_MS = 500;
const TIMED_OUT = { detail: 'Request timed out' };

/** Subjects and usernames that tell the slow hooks what to settle with. */
const REFUSED = 'refused-late';
const ADMITTED = 'admitted-late';

/** Resolves once every slow hook started so far has settled. */
const settling = new Set<Promise<void>>();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
function slowly<T>(value: T): Promise<T> {
  const done = sleep(HOOK_MS);
  settling.add(done);
  return done.then(() => value);
}

const engine = () =>
  securityEngine({
    resolveUser: (found) => slowly(found.sub === ADMITTED ? { username: ADMITTED, hash: '', scopes: [] } : null),
    verifyCredentials: (form) => slowly<Login | null>(form.username === ADMITTED ? { subject: ADMITTED } : null),
  }).then((e) => e.auth as unknown as Gatepass<GatepassUser>);

interface Running {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Running> {
  if (!server.listening) server.listen(0, '127.0.0.1');
  if (!server.listening) await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const ok = { ok: true };

/** One app per adapter of the registry (Express twice: 5 and 4), each with its framework's way of answering first. */
const apps: ReadonlyArray<{ adapter: AdapterName; name: string; start(auth: Gatepass<GatepassUser>): Promise<Running> }> = [
  ...([
    ['Express 5', express5],
    ['Express 4', express4],
  ] as const).map(([name, express]) => ({
    adapter: 'express' as const,
    name,
    start(auth: Gatepass<GatepassUser>) {
      const { requireAuth, tokenEndpoint } = expressAdapter;
      const app = express();
      // connect-timeout's shape: answer after a while, and let the chain go on.
      app.use((_req, res, next) => {
        const timer = setTimeout(() => res.headersSent || res.status(503).json(TIMED_OUT), FIRST_ANSWER_MS);
        res.on('close', () => clearTimeout(timer));
        next();
      });
      app.get('/health', (_req, res) => void res.json(ok));
      app.get('/me', requireAuth(auth), (_req, res) => void res.json(ok));
      app.post('/token', tokenEndpoint(auth));
      return listen(createServer(app));
    },
  })),
  {
    adapter: 'koa',
    name: 'Koa',
    start(auth) {
      const { requireAuth, tokenEndpoint } = koaAdapter;
      const app = new Koa();
      const router = new Router();
      app.use(async (ctx, next) => {
        const timer = setTimeout(() => {
          if (ctx.headerSent) return;
          ctx.res.writeHead(503, { 'content-type': 'application/json' });
          ctx.res.end(JSON.stringify(TIMED_OUT));
        }, FIRST_ANSWER_MS);
        try {
          await next();
        } finally {
          clearTimeout(timer);
        }
      });
      router.get('/health', (ctx) => void (ctx.body = ok));
      router.get('/me', requireAuth(auth), (ctx) => void (ctx.body = ok));
      router.post('/token', tokenEndpoint(auth));
      app.use(router.routes());
      return listen(createServer(app.callback()));
    },
  },
  {
    adapter: 'fastify',
    name: 'Fastify',
    async start(auth) {
      const { gatepass, requireAuth, tokenEndpoint } = fastifyAdapter;
      const app = Fastify();
      app.addHook('onRequest', (_request, reply, done) => {
        const timer = setTimeout(() => reply.sent || reply.code(503).send(TIMED_OUT), FIRST_ANSWER_MS);
        reply.raw.on('close', () => clearTimeout(timer));
        done();
      });
      await app.register(gatepass);
      await app.register(tokenEndpoint(auth), { prefix: '/token' });
      app.get('/health', () => ok);
      app.get('/me', { onRequest: requireAuth(auth) }, () => ok);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const running = await listen(app.server);
      return { ...running, close: () => app.close() };
    },
  },
  {
    adapter: 'fetch',
    name: 'fetch (Hono timeout)',
    start(auth) {
      const { requireAuth, tokenEndpoint } = fetchAdapter;
      const app = new Hono();
      app.use(timeout(FIRST_ANSWER_MS));
      // Hono's timeout answers 504; the other apps' middleware 503: answer alike.
      app.onError(() => Response.json(TIMED_OUT, { status: 503 }));
      const token = tokenEndpoint(auth);
      const me = requireAuth(auth)(() => Response.json(ok));
      app.get('/health', (c) => c.json(ok));
      app.get('/me', (c) => me(c.req.raw));
      app.post('/token', (c) => token(c.req.raw));
      return listen(createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false })));
    },
  },
];

it('has an app for every adapter', () => {
  expect([...new Set(apps.map((app) => app.adapter))]).toEqual(ADAPTER_NAMES);
});

const escaped: unknown[] = [];
const record = (reason: unknown) => void escaped.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
});
afterAll(() => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
});

describe.each(apps)('$name: gatepass answers after another middleware already did', (spec) => {
  let app: Running;
  let auth: Gatepass<GatepassUser>;
  beforeAll(async () => {
    auth = await engine();
    app = await spec.start(auth);
  });
  afterAll(() => app.close());

  /** Waits until the slow hooks settled and gatepass's late answer ran, then checks nothing escaped. */
  afterEach(async () => {
    await Promise.all(settling);
    settling.clear();
    // The adapter's answer runs a few promise turns after the hook settles; let it, and any rejection surface.
    await sleep(50);
    expect(escaped).toEqual([]);
    const health = await fetch(`${app.url}/health`);
    expect([health.status, await health.json()]).toEqual([200, ok]);
  });

  const bearer = (sub: string) => ({ headers: { authorization: `Bearer ${hmacToken({ alg: 'HS256' }, claims({ sub }))}` } });
  const login = (username: string) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: PASSWORD }).toString(),
  });

  it('a guard whose resolveUser answers null late', async () => {
    const res = await fetch(`${app.url}/me`, bearer(REFUSED));
    expect([res.status, await res.json()]).toEqual([503, TIMED_OUT]);
  });

  it('a guard whose resolveUser answers a user late', async () => {
    const res = await fetch(`${app.url}/me`, bearer(ADMITTED));
    expect([res.status, await res.json()]).toEqual([503, TIMED_OUT]);
  });

  it('a token endpoint whose verifyCredentials answers null late', async () => {
    const res = await fetch(`${app.url}/token`, login(REFUSED));
    expect([res.status, await res.json()]).toEqual([503, TIMED_OUT]);
  });

  it('a token endpoint whose verifyCredentials answers a login late', async () => {
    const res = await fetch(`${app.url}/token`, login(ADMITTED));
    expect([res.status, await res.json()]).toEqual([503, TIMED_OUT]);
  });
});
