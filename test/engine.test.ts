// The engine on protected routes: credentials (401) → active user (400) → scopes (403), with hooks
// that fail closed. Tokens are minted with jose in the test.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { BearerError, TokenRequestError, createGatepass, type AuthErrorCode } from '../src/index.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
interface User {
  name: string;
  disabled: boolean;
}
const users = new Map<string, User>([
  ['johndoe', { name: 'johndoe', disabled: false }],
  ['alice', { name: 'alice', disabled: true }],
]);

const auth = createGatepass<User>({
  secret: SECRET,
  scopes: { me: 'Me.', items: 'Items.' },
  verifyCredentials: () => null,
  resolveUser: (claims) => {
    if (claims.sub === 'boom') throw new Error('lookup failed');
    if (claims.sub === 'refused') throw new BearerError('ERR_TOKEN_REVOKED');
    return users.get(claims.sub);
  },
  isActive: (user) => !user.disabled,
});

const mint = (sub: string, scope?: string) =>
  new SignJWT(scope === undefined ? { sub } : { sub, scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
const bearer = async (sub: string, scope?: string) => ({ authorization: `Bearer ${await mint(sub, scope)}` });

async function codeOf(run: Promise<unknown>): Promise<AuthErrorCode> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BearerError);
  return (err as BearerError).code;
}

describe('authenticate', () => {
  it('returns the user, the claims and the scopes', async () => {
    const principal = await auth.authenticate(await bearer('johndoe', 'me items'), { scopes: ['me'] });
    expect(principal.user).toEqual({ name: 'johndoe', disabled: false });
    expect(principal.claims.sub).toBe('johndoe');
    expect(principal.scopes).toEqual(['me', 'items']);
  });

  it('answers a request without credentials with 401 and a bare challenge', async () => {
    expect(await codeOf(auth.authenticate({}))).toBe('ERR_NOT_AUTHENTICATED');
    expect(await codeOf(auth.authenticate({ authorization: 'Basic dXNlcjpwYXNz' }))).toBe('ERR_NOT_AUTHENTICATED');
  });

  it('refuses a token whose subject is unknown', async () => {
    expect(await codeOf(auth.authenticate(await bearer('mallory')))).toBe('ERR_UNKNOWN_SUBJECT');
  });

  it('checks in the contract order: credentials, then active user, then scopes', async () => {
    expect(await codeOf(auth.authenticate({ authorization: 'Bearer abc def' }, { scopes: ['items'] }))).toBe('ERR_TOKEN_MALFORMED');
    expect(await codeOf(auth.authenticate(await bearer('alice'), { scopes: ['items'] }))).toBe('ERR_INACTIVE_USER');
    expect(await codeOf(auth.authenticate(await bearer('johndoe', 'me'), { scopes: ['me', 'items'] }))).toBe(
      'ERR_INSUFFICIENT_SCOPE',
    );
  });

  it('lets inactive users through where the route says so', async () => {
    await expect(auth.authenticate(await bearer('alice'), { active: false })).resolves.toMatchObject({ user: { name: 'alice' } });
  });

  it('fails closed when resolveUser throws: a 500, never a 401 or a pass', async () => {
    const err = (await auth.authenticate(await bearer('boom')).catch((e: unknown) => e)) as BearerError;
    expect(err).toBeInstanceOf(BearerError);
    expect([err.code, err.status, err.body, err.headers]).toEqual(['ERR_HOOK_FAILED', 500, { detail: 'Internal Server Error' }, {}]);
    // The hook's own exception is not the cause: loggers walk cause chains (see onError below).
    expect(err.cause).toBeUndefined();
    expect(await codeOf(auth.authenticate(await bearer('refused')))).toBe('ERR_TOKEN_REVOKED');
  });
});

describe('onError', () => {
  it('receives every 5xx answer with what the hook threw, and only 5xx answers', async () => {
    const seen: Array<[string, unknown]> = [];
    const observed = createGatepass<User>({
      secret: SECRET,
      hookTimeout: 50,
      verifyCredentials: () => new Promise(() => {}),
      resolveUser: (claims) => {
        if (claims.sub === 'boom') throw new Error('lookup failed');
        return users.get(claims.sub);
      },
      onError: (error, thrown) => {
        seen.push([error.code, thrown]);
        throw new Error('a broken logger changes nothing');
      },
    });
    expect(await codeOf(observed.authenticate(await bearer('boom')))).toBe('ERR_HOOK_FAILED');
    await observed.authenticate({}).catch(() => {});
    await observed.issueToken({ body: 'username=a&password=b', contentType: 'application/x-www-form-urlencoded' }).catch(() => {});
    expect(seen.map(([code]) => code)).toEqual(['ERR_HOOK_FAILED', 'ERR_HOOK_TIMEOUT']);
    expect((seen[0]![1] as Error).message).toBe('lookup failed');
    expect(seen[1]![1]).toBeUndefined();
  });
});

describe('isActive', () => {
  it('fails closed when it throws, and may be async', async () => {
    const make = (isActive: (user: User) => boolean | Promise<boolean>) =>
      createGatepass<User>({ secret: SECRET, verifyCredentials: () => null, resolveUser: (c) => users.get(c.sub), isActive });
    const broken = make(() => {
      throw new Error('flag service down');
    });
    const err = (await broken.authenticate(await bearer('johndoe')).catch((e: unknown) => e)) as BearerError;
    expect([err.code, err.status]).toEqual(['ERR_HOOK_FAILED', 500]);
    expect(await codeOf(make(async (user) => !user.disabled).authenticate(await bearer('alice')))).toBe('ERR_INACTIVE_USER');
  });
});

describe('hook deadlines', () => {
  it('answers 503 with Retry-After when a hook does not answer in time, and never lets the request through', async () => {
    const slow = createGatepass<User>({
      secret: SECRET,
      hookTimeout: 50,
      verifyCredentials: () => new Promise(() => {}),
      resolveUser: () => new Promise<User>(() => {}),
    });
    const err = (await slow.authenticate(await bearer('johndoe')).catch((e: unknown) => e)) as BearerError;
    expect(err).toBeInstanceOf(BearerError);
    expect([err.code, err.status, err.headers, err.body]).toEqual([
      'ERR_HOOK_TIMEOUT',
      503,
      { 'Retry-After': '1' },
      { detail: 'Service temporarily unavailable' },
    ]);
    const login = (await slow
      .issueToken({ body: 'username=a&password=b', contentType: 'application/x-www-form-urlencoded' })
      .catch((e: unknown) => e)) as TokenRequestError;
    expect(login).toBeInstanceOf(TokenRequestError);
    expect([login.code, login.status, login.body.error]).toEqual(['ERR_HOOK_TIMEOUT', 503, 'temporarily_unavailable']);
  });

  it('refuses a timeout that is not a positive number of milliseconds', () => {
    for (const hookTimeout of [0, -1, 1.5, 2 ** 31]) {
      expect(() => createGatepass<User>({ secret: SECRET, hookTimeout, verifyCredentials: () => null, resolveUser: () => null })).toThrow(
        RangeError,
      );
    }
  });
});

describe('authenticateOptional', () => {
  it('gives null for anonymous requests and still refuses bad credentials', async () => {
    expect(await auth.authenticateOptional({})).toBeNull();
    expect(await codeOf(auth.authenticateOptional({ authorization: 'Bearer not.a.token' }))).toBe('ERR_TOKEN_MALFORMED');
    await expect(auth.authenticateOptional(await bearer('johndoe'))).resolves.toMatchObject({ user: { name: 'johndoe' } });
  });
});

describe('token locations', () => {
  it('reads a cookie only when configured', async () => {
    const withCookie = createGatepass<User>({
      secret: SECRET,
      tokenLocations: { cookie: 'session' },
      verifyCredentials: () => null,
      resolveUser: (claims) => users.get(claims.sub),
    });
    const cookie = `session=${await mint('johndoe')}`;
    await expect(withCookie.authenticate({ cookie })).resolves.toMatchObject({ user: { name: 'johndoe' } });
    expect(await codeOf(auth.authenticate({ cookie }))).toBe('ERR_NOT_AUTHENTICATED');
  });
});
