// Leaks: for hostile requests of every family, on every adapter over real HTTP, the whole response (status
// line, every header, body) and every line the process writes while serving it (stdout, stderr, console,
// and Fastify's own logger, switched on here) hold no token, password, secret or argon2 hash, and the
// response holds no stack trace or source path. Then the errors themselves: util.inspect, console.log,
// JSON.stringify and String of an error whose cause holds a secret show none of it.
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import * as fastifyAdapter from '../../adapters/fastify.js';
import { AuthError, BearerError, createTokens, parsePasswordForm, type Gatepass, type GatepassUser } from '../../src/index.js';
import { createPasswordHasher } from '../../src/password.js';
import { adapters, serve, type App } from '../support/adapters.js';
import { Barrier, CHEAP, PASSWORD, WRONG_PASSWORD, securityEngine } from '../support/engine.js';
import { FORM } from '../support/http.js';
import { captureOutput, expectNoLeak, expectNoLeakInLogs } from '../support/output.js';
import { multipartBody, openConnection, postForm, rawRequest, requestBytes, send, type RawResponse } from '../support/raw-http.js';
import { SECRET, claims, hmacToken, now, segments } from '../support/tokens.js';

const CANARY = 'leak-canary-pw-3b9f2e71';
const HOOK_SECRET = `db-password-${'c0ffee'.repeat(3)}`;
const leakyError = () => new Error(`database unreachable: postgres://app:${HOOK_SECRET}@db/users?hmac=${SECRET}`);
const HOOK_TIMEOUT = 200;
/** Always forbidden: the HMAC secret, the users' password, every argon2 hash. */
const ALWAYS = [SECRET, PASSWORD, WRONG_PASSWORD, HOOK_SECRET, '$argon2'];

const genuine = (extra: Record<string, unknown> = {}) => hmacToken({ alg: 'HS256' }, claims(extra));
const forged = hmacToken({ alg: 'HS256' }, claims({ scope: 'me items' }), 'leak-canary-attacker-key-0123456789abcdef');
const noneToken = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims({ note: CANARY }))).toString('base64url')}.`;
const expired = genuine({ iat: now() - 700, exp: now() - 100, note: CANARY });
const oversize = genuine({ pad: 'p'.repeat(7000) });
const unknownSub = genuine({ sub: 'mallory' });
const badScope = genuine({ scope: [CANARY] });
const validToken = genuine({ scope: 'me' });
/** A token and its signature: both forbidden in output (the header segment is the same for every token). */
const tokenSecrets = (token: string) => [token, segments(token)[2] || token];

let barrier = new Barrier();
/** The one hashing slot of the adapter's engine under test: no queue, so a busy hasher refuses. */
let hasher = createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 0 });
/**
 * Resolves once the hashing slot is free: a login answered 503 by the hook deadline goes on hashing
 * in the background, and would take the slot meant for the next case.
 */
async function hasherFree(): Promise<void> {
  for (;;) {
    try {
      await hasher.verifyUser(undefined, 'probe');
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_BUSY') throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
const engine = () =>
  securityEngine({
    hookTimeout: HOOK_TIMEOUT,
    passwords: (hasher = createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 0 })),
    async beforeVerify(form) {
      if (form.username.startsWith('held')) await barrier.hold(form);
      if (form.username === 'login-throws') throw new Error(`no such row for password ${form.password}`);
    },
    beforeResolve(found) {
      if (found.sub === 'resolve-throws') throw leakyError();
      if (found.sub === 'resolve-hangs') return new Promise(() => {});
    },
    isRevoked: (found) => {
      if (found.jti === 'revocation-throws') throw leakyError();
      return false;
    },
  }).then((e) => e.auth);

interface LeakCase {
  name: string;
  /** Sends the request; the status is asserted so each case is known to hit the path it names. */
  send: (app: App) => Promise<RawResponse>;
  status: number;
  secrets: string[];
}

const bearer = (token: string) => (app: App) => send(app, { path: '/me', headers: { Authorization: `Bearer ${token}` } });
const login = (fields: Record<string, string>) => (app: App) => postForm(app, fields);

const CASES: LeakCase[] = [
  // JWT
  { name: 'a forged signature', send: bearer(forged), status: 401, secrets: tokenSecrets(forged) },
  { name: 'alg none carrying a canary claim', send: bearer(noneToken), status: 401, secrets: [noneToken, CANARY] },
  { name: 'an expired genuine token', send: bearer(expired), status: 401, secrets: [...tokenSecrets(expired), CANARY] },
  { name: 'an oversize genuine token', send: bearer(oversize), status: 401, secrets: tokenSecrets(oversize) },
  { name: 'a genuine token for an unknown subject', send: bearer(unknownSub), status: 401, secrets: tokenSecrets(unknownSub) },
  { name: 'a non-string scope claim (jose keeps the claims on its error)', send: bearer(badScope), status: 401, secrets: [...tokenSecrets(badScope), CANARY] },
  // Authorization header
  {
    name: 'Basic credentials on a bearer route',
    send: (app) => send(app, { path: '/me', headers: { Authorization: `Basic ${btoa(`johndoe:${CANARY}`)}` } }),
    status: 401,
    secrets: [CANARY, btoa(`johndoe:${CANARY}`)],
  },
  {
    name: 'two Authorization headers',
    send: (app) => send(app, { path: '/me', headers: [['Authorization', `Bearer ${validToken}`], ['Authorization', `Bearer ${forged}`]] }),
    status: -1,
    secrets: [...tokenSecrets(validToken), ...tokenSecrets(forged)],
  },
  { name: 'a token followed by junk', send: (app) => send(app, { path: '/me', headers: { Authorization: `Bearer ${validToken} ${CANARY}` } }), status: 401, secrets: [...tokenSecrets(validToken), CANARY] },
  {
    name: 'a control character inside the token (Node refuses it)',
    send: (app) => rawRequest(app, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${validToken}\x01${CANARY}\r\nConnection: close\r\n\r\n`),
    status: 400,
    secrets: [...tokenSecrets(validToken), CANARY],
  },
  {
    name: 'a 16 KiB Authorization header (Node refuses it)',
    send: (app) => rawRequest(app, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${CANARY}${'A'.repeat(16 * 1024)}\r\nConnection: close\r\n\r\n`),
    status: 431,
    secrets: [CANARY],
  },
  // Token endpoint
  { name: 'a wrong password', send: login({ username: 'johndoe', password: CANARY }), status: 400, secrets: [CANARY] },
  { name: 'an unknown user', send: login({ username: 'nobody', password: CANARY }), status: 400, secrets: [CANARY] },
  { name: 'a password too long', send: login({ username: 'johndoe', password: CANARY.repeat(40) }), status: 400, secrets: [CANARY] },
  { name: 'a repeated password', send: (app) => postForm(app, `username=johndoe&password=${CANARY}&password=${PASSWORD}`), status: 400, secrets: [CANARY] },
  {
    name: 'the password as a file part',
    send: async (app) => {
      const [contentType, body] = await multipartBody((form) => {
        form.append('username', 'johndoe');
        form.append('password', new Blob([CANARY]), 'password.txt');
      });
      return send(app, { method: 'POST', path: '/token', headers: { 'Content-Type': contentType }, body });
    },
    status: 400,
    secrets: [CANARY],
  },
  {
    name: 'a JSON body',
    send: (app) => send(app, { method: 'POST', path: '/token', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'johndoe', password: CANARY }) }),
    status: 400,
    secrets: [CANARY],
  },
  {
    name: 'a body over the limit',
    send: (app) => postForm(app, `username=johndoe&password=${CANARY}&pad=${'x'.repeat(70 * 1024)}`),
    status: 413,
    secrets: [CANARY],
  },
  {
    name: 'a body cut short (Node refuses it)',
    send: (app) =>
      rawRequest(app, Buffer.concat([requestBytes({ method: 'POST', path: '/token', headers: { 'Content-Type': FORM, 'Content-Length': '200' }, close: false }), Buffer.from(`username=johndoe&password=${CANARY}`)]), {
        halfClose: true,
      }),
    status: 400,
    secrets: [CANARY],
  },
  { name: 'a NUL in the username', send: login({ username: 'john\u0000doe', password: CANARY }), status: 400, secrets: [CANARY] },
  {
    name: 'unterminated multipart',
    send: (app) =>
      postForm(app, `--B\r\nContent-Disposition: form-data; name="password"\r\n\r\n${CANARY}`, { 'Content-Type': 'multipart/form-data; boundary=B' }),
    status: 400,
    secrets: [CANARY],
  },
  // App failures
  { name: 'resolveUser throws an error holding secrets', send: bearer(genuine({ sub: 'resolve-throws' })), status: 500, secrets: [] },
  { name: 'resolveUser never answers', send: bearer(genuine({ sub: 'resolve-hangs' })), status: 503, secrets: [] },
  { name: 'the revocation hook throws an error holding secrets', send: bearer(genuine({ jti: 'revocation-throws' })), status: 500, secrets: [] },
  { name: 'verifyCredentials throws an error holding the password', send: login({ username: 'login-throws', password: CANARY }), status: 500, secrets: [CANARY] },
];

describe.each(adapters)('$name', (adapter) => {
  const app = serve(adapter, engine, { logger: true });

  it.each(CASES)('$name: nothing in the response, nothing in the logs', async ({ send: request, status, secrets }) => {
    const { result: res, output } = await captureOutput(() => request(app()));
    if (status !== -1) expect(res.status, res.raw).toBe(status);
    expectNoLeak(res.raw, [...ALWAYS, ...secrets], 'the response');
    expectNoLeakInLogs(output, [...ALWAYS, ...secrets], 'the output');
  });

  it('the capture sees what the framework logs (Fastify: each request; Koa: Node\'s error for a body cut short)', async () => {
    const { output } = await captureOutput(async () => {
      await send(app(), { path: '/health' });
      const cut = requestBytes({ method: 'POST', path: '/token', headers: { 'Content-Type': FORM, 'Content-Length': '50' }, close: false });
      return rawRequest(app(), Buffer.concat([cut, Buffer.from('username=')]), { halfClose: true });
    });
    if (adapter.name === 'fastify') expect(output).toContain('"msg":"incoming request"');
    if (adapter.name === 'koa') expect(output).toContain('Error: Parse Error');
    if (adapter.name === 'express' || adapter.name === 'fetch') expect(output).toBe('');
  });

  it('a busy hasher (503): nothing in the response, nothing in the logs', async () => {
    // Two logins let go together with one hashing slot and no queue: the second is refused.
    barrier = new Barrier();
    await hasherFree();
    const { result, output } = await captureOutput(async () => {
      const first = postForm(app(), { username: 'held-1', password: WRONG_PASSWORD });
      await barrier.arrived(1);
      const second = postForm(app(), { username: 'held-2', password: CANARY });
      await barrier.arrived(2);
      barrier.release();
      return Promise.all([first, second]);
    });
    const [first, second] = result;
    expect([first.status, second.status]).toEqual([400, 503]);
    expectNoLeak(second.raw, [...ALWAYS, CANARY], 'the response');
    expectNoLeakInLogs(output, [...ALWAYS, CANARY], 'the output');
  });

  it('a successful login: the token is in the response (by design), never in the logs', async () => {
    const { result: res, output } = await captureOutput(() => postForm(app(), { username: 'johndoe', password: PASSWORD }));
    expect(res.status).toBe(200);
    const { access_token: issued } = res.json<{ access_token: string }>();
    expectNoLeakInLogs(output, [...ALWAYS, issued, segments(issued)[2]], 'the output');
  });

  it('a request refused while streaming (413, connection closed early): nothing in the logs', async () => {
    const { output } = await captureOutput(async () => {
      const connection = openConnection(app());
      await connection.write(requestBytes({ method: 'POST', path: '/token', headers: { 'Content-Type': FORM, 'Transfer-Encoding': 'chunked' }, close: false }));
      const chunk = `password=${CANARY}&pad=${'x'.repeat(70 * 1024)}`;
      await connection.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      const res = await connection.response;
      connection.destroy();
      expect(res.status).toBe(413);
      return res;
    });
    expectNoLeakInLogs(output, [...ALWAYS, CANARY], 'the output');
  });
});

describe('errors print no secret', () => {
  it('util.inspect, console.log, String and JSON.stringify of a hook failure show no trace of the hook\'s exception', async () => {
    const { auth } = await securityEngine({ beforeResolve: () => Promise.reject(leakyError()) });
    const err = await auth.authenticate({ authorization: `Bearer ${validToken}` }).then(
      () => undefined,
      (e: unknown) => e as AuthError,
    );
    expect(err).toBeInstanceOf(BearerError);
    expect((err as AuthError).code).toBe('ERR_HOOK_FAILED');
    const { output } = await captureOutput(async () => {
      console.log(err);
      console.error('request failed:', err);
      console.log({ err });
      console.log([err]);
    });
    for (const text of [
      inspect(err),
      inspect(err, { showHidden: true, depth: Infinity }),
      inspect({ nested: { err } }),
      String(err),
      JSON.stringify(err),
      JSON.stringify({ err }),
      (err as AuthError).stack ?? '',
      output,
    ]) {
      for (const secret of [SECRET, HOOK_SECRET, validToken]) expect(text, text).not.toContain(secret);
    }
    // The hook's exception is not the cause at all: only the engine's onError receives it.
    expect((err as AuthError).cause).toBeUndefined();
    expect(inspect(err)).toBe('BearerError [ERR_HOOK_FAILED] 500: The server failed to process the request');
  });

  it('a jose cause (which keeps the decoded claims) is shown by name and code only', async () => {
    const tokens = createTokens({ secret: SECRET });
    const err = (await tokens.verify(expired).catch((e: unknown) => e)) as AuthError;
    expect(inspect(err)).toBe('BearerError [ERR_TOKEN_EXPIRED] 401: The access token expired (cause: JWTExpired ERR_JWT_EXPIRED)');
    for (const text of [inspect(err), inspect([err]), JSON.stringify(err), String(err)]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(expired);
    }
  });

  it('an error whose cause is an AuthError whose cause holds a secret', async () => {
    const inner = new AuthError('ERR_HOOK_FAILED', { cause: leakyError() });
    const outer = new BearerError('ERR_HOOK_FAILED', { cause: inner });
    expect(inspect(outer)).toBe('BearerError [ERR_HOOK_FAILED] 500: The server failed to process the request (cause: AuthError ERR_HOOK_FAILED)');
    expect(inspect({ outer })).not.toContain(HOOK_SECRET);
  });

  it('a form error keeps no password: malformed Basic credentials and a body over the limit', async () => {
    const basic = await parsePasswordForm({
      body: `username=johndoe&password=${CANARY}`,
      contentType: FORM,
      authorization: `Basic ${btoa(`client:${CANARY}`).slice(0, -2)}@@`,
    }).catch((e: unknown) => e as AuthError);
    const big = await parsePasswordForm({ body: `password=${CANARY}&pad=${'x'.repeat(70 * 1024)}`, contentType: FORM }).catch((e: unknown) => e as AuthError);
    for (const err of [basic, big]) {
      expect(err).toBeInstanceOf(AuthError);
      for (const text of [inspect(err), JSON.stringify(err), String(err), JSON.stringify((err as AuthError).body)]) expect(text).not.toContain(CANARY);
    }
  });
});

// Fastify's logger is pino, whose error serializer does not use util.inspect: it appends the message and
// stack of every `cause` (pino-std-serializers `messageWithCauses`/`stackWithCauses`). A route that
// forwards AuthErrors (`forwardErrors: true`) to Fastify's default error handler therefore logs a hook's
// own error text, with whatever secret it holds, on every 5xx. gatepass keeps the hook's error as `cause`,
// so the defence "a cause is never printed by default" does not hold for the most common Node logger.
describe('Fastify with its logger on and forwardErrors: no cause chain reaches the log', () => {
  async function fastifyForwarding(withAuthErrorHandler: boolean): Promise<{ url: string; close: () => Promise<void> }> {
    const { auth } = await securityEngine({ beforeResolve: () => Promise.reject(leakyError()) });
    const server = Fastify({ logger: { level: 'info', stream: process.stdout } });
    await server.register(fastifyAdapter.gatepass);
    if (withAuthErrorHandler) server.setErrorHandler(fastifyAdapter.authErrorHandler);
    server.get('/me', { onRequest: fastifyAdapter.requireAuth(auth as unknown as Gatepass<GatepassUser>, { forwardErrors: true }) }, () => ({ ok: true }));
    await server.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`, close: () => server.close() };
  }

  it('with authErrorHandler: 500, and no log line holds the hook error', async () => {
    const server = await fastifyForwarding(true);
    try {
      const { result: res, output } = await captureOutput(() => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${validToken}` } }));
      expect(res.status).toBe(500);
      expectNoLeakInLogs(output, [...ALWAYS, validToken], 'the log');
    } finally {
      await server.close();
    }
  });

  it('with Fastify\'s default error handler: no log line holds the hook error', async () => {
    const server = await fastifyForwarding(false);
    try {
      const { result: res, output } = await captureOutput(() => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${validToken}` } }));
      expect(res.status).toBe(500);
      expect(output).toContain('The server failed to process the request');
      expect(output).not.toContain(HOOK_SECRET);
    } finally {
      await server.close();
    }
  });
});
