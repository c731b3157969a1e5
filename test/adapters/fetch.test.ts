// The fetch adapter, one suite run twice: a plain fetch router on a real node:http server (through
// @hono/node-server's getRequestListener, on listen(0)) and a Hono app driven in memory with app.fetch.
// The engine is real (test/support/engine.ts: createGatepass, argon2 with cheap parameters); tokens are
// minted with jose. The cases it shares with the Fastify adapter are in test/support/adapter-cases.ts; this
// file keeps the two targets and what only the fetch adapter has (wrappers called directly, Web APIs only).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, optionalAuth, requireAuth, tokenEndpoint } from '../../adapters/fetch.js';
import { BearerError, type Gatepass, type Principal } from '../../src/index.js';
import { forwardedCases, protectedRouteCases, tokenRouteCases } from '../support/adapter-cases.js';
import { testEngine, type User } from '../support/engine.js';
import { bearer, expectAnswer, listening, type Send, type Target } from '../support/http.js';
import { tokens } from '../support/tokens.js';

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
async function nodeTarget(auth: Gatepass<User>): Promise<Target> {
  const routes: Record<string, (request: Request) => Promise<Response>> = handlers(auth);
  const router = (request: Request): Promise<Response> => {
    const route = routes[new URL(request.url).pathname];
    return route === undefined ? Promise.resolve(Response.json({ detail: 'Not Found' }, { status: 404 })) : route(request);
  };
  const server = createServer(getRequestListener(router, { errorHandler: authErrorHandler, overrideGlobalObjects: false }));
  return listening(server.listen(0, '127.0.0.1'));
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

let auth: Gatepass<User>;
const servers: Target[] = [];
beforeAll(async () => {
  auth = await testEngine();
});
afterAll(() => Promise.all(servers.map((server) => server.close())));

describe.each([
  ['node:http via getRequestListener', 'node'],
  ['Hono in memory', 'hono'],
] as const)('%s', (_name, kind) => {
  let send: Send;
  beforeAll(async () => {
    if (kind === 'hono') send = honoTarget(auth);
    else {
      const target = await nodeTarget(auth);
      servers.push(target);
      send = target.send;
    }
  });
  const later: Send = (path, init) => send(path, init);

  describe('token endpoint', () => {
    tokenRouteCases(later, { path: '/users/me', body: { user: 'johndoe', scopes: ['me'] } });
  });

  describe('protected routes', () => {
    protectedRouteCases(later, { me: '/users/me', items: '/items', status: '/status', maybe: '/maybe' });

    it("leaves an error thrown by the route's handler to the error handler: 500, not 401", async () => {
      await expectAnswer(await send('/boom', bearer(await tokens.valid())), 500, { detail: 'Internal Server Error' }, { 'www-authenticate': null });
    });
  });

  describe('forwardErrors with authErrorHandler', () => {
    forwardedCases(later, { guard: '/forwarded', token: '/token/forwarded' });
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
    // An engine whose guards fail with something that is not an AuthError (a bug, a broken hook runner).
    const failing = { security: [], check: () => Promise.reject(new RangeError('not an auth error')) };
    const broken = { ...auth, guard: () => failing } as unknown as Gatepass<User>;
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
    expect(requireAuth(auth).name).toBe('gatepassRequireAuthWrapper');
    expect(optionalAuth(auth).name).toBe('gatepassOptionalAuthWrapper');
    expect(requireAuth(auth)(() => new Response()).name).toBe('gatepassRequireAuth');
    expect(optionalAuth(auth)(() => new Response()).name).toBe('gatepassOptionalAuth');
    expect(tokenEndpoint(auth).name).toBe('gatepassTokenEndpoint');
    expect(() => requireAuth({} as never)).toThrow(TypeError);
    expect(() => requireAuth(auth, { scopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
    expect(() => requireAuth(auth, { scope: ['me'] } as never)).toThrow('gatepass/fetch requireAuth: unknown option scope — did you mean scopes?');
    expect(() => optionalAuth(auth, { active: 1 } as never)).toThrow('gatepass/fetch optionalAuth: active must be true or false');
    expect(() => tokenEndpoint(auth, { grantType: 'Strict' } as never)).toThrow("gatepass/fetch tokenEndpoint: grantType must be 'lenient' or 'strict'");
    expect(() => tokenEndpoint(auth, { forwarderrors: true } as never)).toThrow(
      'gatepass/fetch tokenEndpoint: unknown option forwarderrors — did you mean forwardErrors?',
    );
    expect(() => requireAuth(auth)('not a handler' as never)).toThrow(TypeError);
  });

  it("copy the caller's options", async () => {
    const options = { scopes: ['me'] };
    const guarded = requireAuth(auth, options)((_request, principal) => show(principal));
    options.scopes.push('items');
    const res = await guarded(new Request('http://localhost/', bearer(await tokens.valid('johndoe', ['me']))));
    expect(res.status).toBe(200);
  });

  it('use only Web APIs, and so do the adapter-kit modules they import', () => {
    const source = readFileSync(new URL('../../adapters/fetch.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from ['"]node:|\bBuffer\b|\bprocess\./);
    const seen = new Set<string>();
    const visit = (file: URL): void => {
      if (seen.has(file.href)) return;
      seen.add(file.href);
      const text = readFileSync(file, 'utf8');
      expect(text, file.pathname).not.toMatch(/from ['"]node:|\bBuffer\b|\bprocess\./);
      for (const [, specifier] of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = new URL(specifier!.replace(/\.js$/, '.ts'), file);
        if (target.pathname.includes('/src/adapter-kit/')) visit(target);
      }
    };
    visit(new URL('../../adapters/fetch.ts', import.meta.url));
    expect(seen.size).toBeGreaterThan(1);
  });
});
