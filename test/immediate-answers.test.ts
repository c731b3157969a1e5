// A protected request whose every step answers at once is admitted without waiting for a promise: the
// guard's pass comes back within the middleware's own call (Express's `next()` runs before `requireAuth`
// returns), for a token verified with node:crypto and for one answered by the verified-token cache. A
// step that must wait (an async `resolveUser`, a revocation store holding something) is still waited
// for, a refusal is still answered, and the public API (`guard().check`, `authenticate`) still returns
// promises.
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { requireAuth } from '../adapters/express.js';
import { createGatepass, type Gatepass, type GatepassUser } from '../src/index.js';

const SECRET = 'immediate-answers-suite/HMAC-secret/00112233445566778899aabbccddeeff';
// The adapters type users as GatepassUser, which the tutorial augments: alice is one of its users.
const ALICE: GatepassUser = { username: 'alice', full_name: 'Alice', email: 'alice@example.com', disabled: false, scopes: [], hashed_password: '' };
const USERS = new Map([['alice', ALICE]]);

/** A request as Node's HTTP server makes it, with these header lines. */
function request(...lines: string[]): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.rawHeaders = ['Host', 'localhost', ...lines];
  req.headers = { host: 'localhost' };
  for (let i = 0; i < lines.length; i += 2) req.headers[lines[i]!.toLowerCase()] = lines[i + 1];
  req.url = '/users/me/';
  req.complete = true;
  return req;
}

/** A response that records what was written. */
function response() {
  const written: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const res = {
    headersSent: false,
    status(status: number) {
      written.status = status;
      return res;
    },
    set(headers: Record<string, string>) {
      written.headers = headers;
      return res;
    },
    send(body: string) {
      written.body = body;
      return res;
    },
  };
  return { res, written };
}

/** Runs Express's requireAuth: whether `next()` ran before the middleware returned, and once it has run. */
function guarded(auth: Gatepass<GatepassUser>, req: IncomingMessage) {
  const middleware = requireAuth(auth);
  const { res, written } = response();
  const next = vi.fn();
  Object.assign(req, { originalUrl: req.url });
  middleware(req as never, res as never, next);
  return { atOnce: next.mock.calls.length > 0, next, written, req: req as IncomingMessage & { user?: unknown } };
}

const engine = (resolveUser: (sub: string) => unknown) =>
  createGatepass<GatepassUser>({ secret: SECRET, verifyCredentials: () => null, resolveUser: (claims) => resolveUser(claims.sub) as never });

describe('a protected request whose every step answers at once', () => {
  it('is admitted within the middleware call: a new token (node:crypto), then the same token (the cache)', async () => {
    const auth = engine((sub) => USERS.get(sub));
    const { token } = await auth.tokens.issue('alice');
    for (let i = 0; i < 3; i++) {
      const run = guarded(auth, request('Authorization', `Bearer ${token}`));
      expect(run.atOnce).toBe(true);
      expect(run.next).toHaveBeenCalledWith();
      expect(run.req.user).toBe(ALICE);
    }
  });

  it('still returns promises from the public API', async () => {
    const auth = engine((sub) => USERS.get(sub));
    const { token } = await auth.tokens.issue('alice');
    const sources = { authorization: `Bearer ${token}` };
    const checked = auth.guard().check(sources, false);
    expect(checked).toBeInstanceOf(Promise);
    await expect(checked).resolves.toMatchObject({ subject: 'alice', user: ALICE });
    const authenticated = auth.authenticate(sources);
    expect(authenticated).toBeInstanceOf(Promise);
    await expect(authenticated).resolves.toMatchObject({ subject: 'alice' });
    expect(auth.tokens.verify(token)).toBeInstanceOf(Promise);
  });
});

describe('a step that must wait', () => {
  it('an async resolveUser: next() runs once it answered', async () => {
    const auth = engine(async (sub) => USERS.get(sub));
    const { token } = await auth.tokens.issue('alice');
    const run = guarded(auth, request('Authorization', `Bearer ${token}`));
    expect(run.atOnce).toBe(false);
    await vi.waitFor(() => expect(run.next).toHaveBeenCalledWith());
    expect(run.req.user).toBe(ALICE);
  });

  it('a revocation store holding a revoked token: it is asked, and a revoked token is refused', async () => {
    const auth = engine((sub) => USERS.get(sub));
    const [kept, revoked] = [(await auth.tokens.issue('alice')).token, (await auth.tokens.issue('alice', { claims: { n: 2 } })).token];
    await auth.tokens.revoke(revoked);
    const admitted = guarded(auth, request('Authorization', `Bearer ${kept}`));
    expect(admitted.atOnce).toBe(false);
    await vi.waitFor(() => expect(admitted.next).toHaveBeenCalledWith());
    const refused = guarded(auth, request('Authorization', `Bearer ${revoked}`));
    await vi.waitFor(() => expect(refused.written.status).toBe(401));
    expect(refused.next).not.toHaveBeenCalled();
    expect(refused.written.headers).toMatchObject({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token was revoked"' });
  });
});

describe('refusals decided at once', () => {
  it.each([
    ['no credentials', [], 'Bearer'],
    ['a token that is not a JWS', ['Authorization', 'Bearer not-a-token'], 'Bearer error="invalid_token"'],
    ['two Authorization lines, whatever their case', ['Authorization', 'Bearer a.b.c', 'authorization', 'Bearer d.e.f'], 'Bearer error="invalid_request"'],
  ])('%s: answered, never admitted', async (_name, lines, challenge) => {
    const auth = engine((sub) => USERS.get(sub));
    const run = guarded(auth, request(...lines));
    await vi.waitFor(() => expect(run.written.status).toBeDefined());
    expect(run.next).not.toHaveBeenCalled();
    expect(run.written.headers?.['WWW-Authenticate']).toMatch(new RegExp(`^${challenge.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a resolveUser that throws at once: 500 ERR_HOOK_FAILED through onError, never a pass', async () => {
    const onError = vi.fn();
    const auth = createGatepass<GatepassUser>({
      secret: SECRET,
      verifyCredentials: () => null,
      resolveUser: () => {
        throw new Error('the user store is down');
      },
      onError,
    });
    const { token } = await auth.tokens.issue('alice');
    const run = guarded(auth, request('Authorization', `Bearer ${token}`));
    await vi.waitFor(() => expect(run.written.status).toBe(500));
    expect(run.next).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'ERR_HOOK_FAILED' });
  });
});
