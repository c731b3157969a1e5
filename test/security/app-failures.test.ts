// The app's own hooks failing, on every adapter over real HTTP: resolveUser, isActive, isRevoked and
// verifyCredentials that throw, hang or return nonsense. gatepass answers 500 `server_error` (a hook threw)
// or 503 `temporarily_unavailable` with Retry-After (a hook missed `hookTimeout`): never a 200, never a 401
// that would pass an outage off as bad credentials, and never a word of what the hook said.
import { describe, expect, it } from 'vitest';
import { AuthError, TokenRequestError, type Login } from '../../src/index.js';
import { adapters, serve } from '../support/adapters.js';
import { tokenError } from '../support/answers.js';
import { PASSWORD, SCOPES, securityEngine } from '../support/engine.js';
import { expectAnswer, expectInvalidToken, expectTokenError, postForm, withBearer, type RawResponse } from '../support/raw-http.js';
import { SECRET, claims, hmacToken } from '../support/tokens.js';

const HOOK_TIMEOUT = 300;
const never = new Promise<never>(() => {});
/** A hook error whose message holds what must never be shown: the secret and a password. */
const leakyError = () => new Error(`database unreachable: postgres://app:${PASSWORD}@db/users?secret=${SECRET}`);

const engine = () =>
  securityEngine({
    hookTimeout: HOOK_TIMEOUT,
    scopes: { ...SCOPES, admin: 'Administer.', 'admin:read': 'Read admin data.' },
    resolveUser(found) {
      switch (found.sub) {
        case 'resolve-throws':
          throw leakyError();
        case 'resolve-throws-string':
          throw `raw string: ${PASSWORD}`;
        case 'resolve-rejects':
          return Promise.reject(leakyError());
        case 'resolve-hangs':
          return never;
        case 'resolve-rejects-late':
          return new Promise((_, reject) => setTimeout(() => reject(leakyError()), HOOK_TIMEOUT * 2));
        case 'resolve-busy':
          throw new AuthError('ERR_BUSY', { retryAfter: 3 });
        default:
          return { username: found.sub, hash: '', scopes: [] };
      }
    },
    isActive: (user) => {
      if (user.username === 'active-throws') throw leakyError();
      if (user.username === 'active-hangs') return never;
      return true;
    },
    isRevoked: (found) => {
      switch (found.jti) {
        case 'revoked':
          return true;
        case 'revoked-truthy':
          return 'yes' as unknown as boolean;
        case 'revocation-throws':
          throw leakyError();
        case 'revocation-hangs':
          return never;
        default:
          return false;
      }
    },
    async verifyCredentials(form): Promise<Login | null> {
      switch (form.username) {
        case 'login-throws':
          throw new Error(`no such row for password ${form.password}`);
        case 'login-hangs':
          return never;
        case 'login-invalid-client':
          throw new TokenRequestError('ERR_INVALID_CLIENT');
        case 'login-empty-subject':
          return { subject: '' };
        case 'login-numeric-subject':
          return { subject: 42 as unknown as string };
        case 'login-scopes-as-string':
          // A store that keeps scopes as one space-separated string, returned as is.
          return { subject: 'johndoe', scopes: 'me admin:read' as unknown as string[] };
        default:
          return form.password === PASSWORD ? { subject: form.username, scopes: ['me'] } : null;
      }
    },
  }).then((e) => e.auth);

const RESOURCE_500 = { status: 500, body: { detail: 'Internal Server Error' }, challenge: null, headers: { 'Retry-After': null } };
const resource503 = (retryAfter = '1') => ({
  status: 503,
  body: { detail: 'Service temporarily unavailable' },
  challenge: null,
  headers: { 'Retry-After': retryAfter },
});
const SERVER_ERROR = tokenError('server_error', 'The server failed to process the request', 'Internal Server Error');
const HOOK_TIMED_OUT = tokenError('temporarily_unavailable', 'A check the server depends on did not answer in time', 'Service temporarily unavailable');

const tokenFor = (sub: string, extra: Record<string, unknown> = {}) => hmacToken({ alg: 'HS256' }, claims({ sub, scope: 'me', ...extra }));

/** Never a 200, never a 401: a failing hook is the server's problem, not the client's credentials. */
function expectServerSide(res: RawResponse): void {
  expect([500, 503], res.raw).toContain(res.status);
}

describe.each(adapters)('$name', (adapter) => {
  const app = serve(adapter, engine);

  describe('protected routes', () => {
    it.each([
      ['resolveUser throws', 'resolve-throws'],
      ['resolveUser throws a string', 'resolve-throws-string'],
      ['resolveUser rejects', 'resolve-rejects'],
      ['isActive throws', 'active-throws'],
    ])('%s: 500, no challenge, nothing said', async (_name, sub) => {
      const res = await withBearer(app(), '/me', tokenFor(sub));
      expectServerSide(res);
      expectAnswer(res, RESOURCE_500);
    });

    it.each([
      ['resolveUser never answers', 'resolve-hangs'],
      ['resolveUser rejects after the deadline', 'resolve-rejects-late'],
      ['isActive never answers', 'active-hangs'],
    ])(`%s: 503 with Retry-After after hookTimeout (${HOOK_TIMEOUT} ms)`, async (_name, sub) => {
      const res = await withBearer(app(), '/me', tokenFor(sub));
      expectServerSide(res);
      expectAnswer(res, resource503());
    });

    it('resolveUser throwing gatepass ERR_BUSY (say, from its own hasher): 503 with its Retry-After', async () => {
      expectAnswer(await withBearer(app(), '/me', tokenFor('resolve-busy')), resource503('3'));
    });

    it('the revocation hook throws: 500', async () => {
      const res = await withBearer(app(), '/me', tokenFor('johndoe', { jti: 'revocation-throws' }));
      expectServerSide(res);
      expectAnswer(res, RESOURCE_500);
    });

    it('the revocation hook never answers: 503 after hookTimeout', async () => {
      const res = await withBearer(app(), '/me', tokenFor('johndoe', { jti: 'revocation-hangs' }));
      expectServerSide(res);
      expectAnswer(res, resource503());
    });

    it.each([
      ['true', 'revoked'],
      ['a truthy non-boolean', 'revoked-truthy'],
    ])('the revocation hook answers %s: 401 revoked', async (_name, jti) => {
      expectInvalidToken(await withBearer(app(), '/me', tokenFor('johndoe', { jti })), 'ERR_TOKEN_REVOKED');
    });

    it('a healthy request still passes (baseline)', async () => {
      expectAnswer(await withBearer(app(), '/me', tokenFor('johndoe', { jti: 'fine' })), { status: 200, body: { sub: 'johndoe', scopes: ['me'] } });
    });
  });

  describe('token endpoint', () => {
    it('verifyCredentials throws (its message holding the password): 500 server_error', async () => {
      const res = await postForm(app(), { username: 'login-throws', password: PASSWORD });
      expectServerSide(res);
      expectTokenError(res, 500, SERVER_ERROR, { 'WWW-Authenticate': null });
    });

    it('verifyCredentials never answers: 503 with Retry-After after hookTimeout', async () => {
      const res = await postForm(app(), { username: 'login-hangs', password: PASSWORD });
      expectServerSide(res);
      expectTokenError(res, 503, HOOK_TIMED_OUT, { 'Retry-After': '1' });
    });

    it('verifyCredentials refusing with its own TokenRequestError: that answer, as is', async () => {
      expectTokenError(await postForm(app(), { username: 'login-invalid-client', password: PASSWORD }), 401, tokenError('invalid_client', 'Client authentication failed'));
    });

    // verifyCredentials returning a Login that is not one (an empty or non-string subject) is an app
    // bug like a throw, and is answered like one: 500 server_error in gatepass's JSON, on every
    // framework (a plain TypeError would reach each framework's own handler: Express renders its
    // stack in HTML unless NODE_ENV=production).
    it.each([
      ['an empty subject', 'login-empty-subject'],
      ['a numeric subject', 'login-numeric-subject'],
    ])('verifyCredentials returning %s: 500 server_error, like a throw', async (_name, username) => {
      const res = await postForm(app(), { username, password: PASSWORD });
      expectServerSide(res);
      expect(res.body).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|TypeError/);
      expectTokenError(res, 500, SERVER_ERROR);
    });

    // Login.scopes must be an array. A store returning one space-separated string must never be
    // searched by substring ("admin" granted to a user holding only "admin:read"): it fails closed.
    it('verifyCredentials returning scopes as a string grants no substring scope', async () => {
      const res = await postForm(app(), { username: 'login-scopes-as-string', password: PASSWORD, scope: 'admin' });
      expect(res.status, res.raw).not.toBe(200);
      expectTokenError(res, 500, SERVER_ERROR);
    });
  });
});
