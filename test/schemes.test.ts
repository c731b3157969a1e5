// FastAPI's other security schemes on the engine, composed per route: API keys (header, query, cookie),
// HTTP Basic, opaque bearer tokens, OpenID Connect, and the password flow's own tokens, any of them on one
// route, with scopes all-of or any-of, and the OpenAPI that the same declaration gives. Real engine, real
// argon2 (cheap parameters), real jose tokens; the HTTP side is in the contract and adapter suites.
import { describe, expect, it } from 'vitest';
import {
  BearerError,
  apiKey,
  createApiKeyStore,
  createGatepass,
  httpBasic,
  httpBearer,
  openIdConnect,
  type AuthErrorCode,
  type SecurityContext,
} from '../src/index.js';
import { createPasswordHasher } from '../src/password.js';
import { rejection } from './support/rejection.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const KEY = 'gpk_test_reporting_bot_0f3a7c1e9b5d2468ace13579bdf02468';
const passwords = createPasswordHasher({ memoryCost: 1024, timeCost: 1 });

interface User {
  name: string;
  disabled: boolean;
}
const users = new Map<string, User & { hash: string }>([
  ['johndoe', { name: 'johndoe', disabled: false, hash: await passwords.hash('secret') }],
  ['alice', { name: 'alice', disabled: true, hash: await passwords.hash('secret2') }],
]);
const bot: User = { name: 'reporting-bot', disabled: false };

const seen: SecurityContext[] = [];
const keys = await createApiKeyStore<User>([[KEY, { subject: 'reporting-bot', user: bot, scopes: ['items'] }]]);
const headerKey = apiKey<User>({
  in: 'header',
  name: 'X-API-Key',
  verify: (key, context) => {
    seen.push(context);
    return keys.verify(key);
  },
});
const queryKey = apiKey<User>({ in: 'query', name: 'api_key', verify: keys.verify });
const cookieKey = apiKey<User>({ in: 'cookie', name: 'api_key', verify: keys.verify });
const basic = httpBasic<User>({
  realm: 'gatepass',
  async verify({ username, password }) {
    const user = users.get(username);
    if (!(await passwords.verifyUser(user?.hash, password)) || user === undefined) return null;
    return { subject: username, user, scopes: ['me'] };
  },
});
const opaque = httpBearer<User>({ bearerFormat: 'opaque', verify: (token) => (token === 'opaque-token-1' ? { subject: 'reporting-bot', user: bot } : null) });
const oidc = openIdConnect<User>({
  openIdConnectUrl: 'https://login.example.com/.well-known/openid-configuration',
  verify: () => null,
});

const auth = createGatepass<User>({
  secret: SECRET,
  scopes: { me: 'Read information about the current user.', items: 'Read items.', admin: 'Administer.' },
  verifyCredentials: () => null,
  resolveUser: (claims, context) => {
    seen.push(context);
    return users.get(claims.sub);
  },
  isActive: (user) => !user.disabled,
});
const token = async (sub: string, scopes: string[] = []) => (await auth.tokens.issue(sub, { scopes })).token;
const basicHeader = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const headerOf = (headers: Record<string, string | string[]>) => (name: string) => headers[name];

const machine = { schemes: [auth.bearer, headerKey], scopes: ['items'] };
const basicOnly = { schemes: [basic] };

async function refusal(promise: Promise<unknown>): Promise<[AuthErrorCode, number, string | undefined, unknown]> {
  const err = await rejection(promise, BearerError);
  return [err.code, err.status, err.headers['WWW-Authenticate'], err.body];
}

describe('any of several schemes on one route', () => {
  it('an API key admits the machine client, with its scopes and the scheme that admitted it', async () => {
    const principal = await auth.authenticate({ header: headerOf({ 'x-api-key': KEY }) }, machine);
    expect(principal).toEqual({
      user: bot,
      subject: 'reporting-bot',
      claims: { sub: 'reporting-bot', scope: 'items' },
      scopes: ['items'],
      scheme: 'APIKeyHeader',
      securityScopes: ['items'],
    });
  });

  it('a bearer token with the scope admits its user on the same route', async () => {
    const principal = await auth.authenticate({ authorization: `Bearer ${await token('johndoe', ['items'])}` }, machine);
    expect([principal.subject, principal.scheme, principal.scopes, principal.user.name]).toEqual(['johndoe', 'OAuth2PasswordBearer', ['items'], 'johndoe']);
  });

  it('no credentials: 401 "Not authenticated" with every alternative\'s challenge', async () => {
    expect(await refusal(auth.authenticate({}, machine))).toEqual(['ERR_NOT_AUTHENTICATED', 401, 'Bearer, APIKey', { detail: 'Not authenticated' }]);
  });

  it('the first alternative with credentials decides: a bad token is refused even with a good key', async () => {
    const both = { authorization: 'Bearer not.a.token', header: headerOf({ 'x-api-key': KEY }) };
    const [code, status, challenge] = await refusal(auth.authenticate(both, machine));
    expect([code, status]).toEqual(['ERR_TOKEN_MALFORMED', 401]);
    expect(challenge).toMatch(/^Bearer error="invalid_token"/);
  });

  it('a wrong or over-long key: 401 with the APIKey challenge, the key never in the answer', async () => {
    for (const key of ['wrong-key', 'k'.repeat(513)]) {
      const err = await rejection(auth.authenticate({ header: headerOf({ 'x-api-key': key }) }, machine), BearerError);
      expect([err.code, err.status, err.headers['WWW-Authenticate'], err.body]).toEqual([
        'ERR_API_KEY_INVALID',
        401,
        'APIKey',
        { detail: 'Could not validate credentials' },
      ]);
      expect(JSON.stringify({ ...err, message: err.message })).not.toContain(key);
    }
  });

  it('an empty key is no key; a repeated key header is 400 invalid_request', async () => {
    expect((await refusal(auth.authenticate({ header: headerOf({ 'x-api-key': '' }) }, machine)))[0]).toBe('ERR_NOT_AUTHENTICATED');
    expect(await refusal(auth.authenticate({ header: headerOf({ 'x-api-key': [KEY, KEY] }) }, machine))).toEqual([
      'ERR_REPEATED_CREDENTIALS',
      400,
      undefined,
      { detail: 'Invalid authentication request' },
    ]);
  });

  it('a bearer token without the scope: 403 insufficient_scope naming it', async () => {
    expect(await refusal(auth.authenticate({ authorization: `Bearer ${await token('johndoe', ['me'])}` }, machine))).toEqual([
      'ERR_INSUFFICIENT_SCOPE',
      403,
      'Bearer error="insufficient_scope", scope="items"',
      { detail: 'Not enough permissions' },
    ]);
  });

  it('an API key without the scope: 403, with no Bearer challenge for a key', async () => {
    const admin = { schemes: [headerKey], scopes: ['admin'] };
    expect(await refusal(auth.authenticate({ header: headerOf({ 'x-api-key': KEY }) }, admin))).toEqual([
      'ERR_INSUFFICIENT_SCOPE',
      403,
      undefined,
      { detail: 'Not enough permissions' },
    ]);
  });

  it('keys in the query or a cookie, and only where the scheme says', async () => {
    expect((await auth.authenticate({ url: `/items?api_key=${KEY}` }, { schemes: [queryKey] })).subject).toBe('reporting-bot');
    expect((await auth.authenticate({ cookie: `a=b; api_key=${KEY}` }, { schemes: [cookieKey] })).subject).toBe('reporting-bot');
    expect((await refusal(auth.authenticate({ url: `/items?api_key=${KEY}`, cookie: `api_key=${KEY}` }, machine)))[0]).toBe('ERR_NOT_AUTHENTICATED');
    expect((await refusal(auth.authenticate({ url: `/items?api_key=${KEY}&api_key=${KEY}` }, { schemes: [queryKey] })))[0]).toBe(
      'ERR_REPEATED_CREDENTIALS',
    );
  });

  it('hooks see the route\'s required scopes (FastAPI\'s SecurityScopes)', async () => {
    seen.length = 0;
    await auth.authenticate({ header: headerOf({ 'x-api-key': KEY }) }, machine);
    await auth.authenticate({ authorization: `Bearer ${await token('johndoe', ['items', 'me'])}` }, { scopes: ['me'], anyScopes: ['items', 'admin'] });
    expect(seen.map((context) => context.securityScopes)).toEqual([['items'], ['me', 'items', 'admin']]);
  });
});

describe('scopes any-of', () => {
  const either = { anyScopes: ['items', 'admin'] };

  it('one of them is enough; none is 403 naming them all', async () => {
    expect((await auth.authenticate({ authorization: `Bearer ${await token('johndoe', ['admin'])}` }, either)).scopes).toEqual(['admin']);
    expect(await refusal(auth.authenticate({ authorization: `Bearer ${await token('johndoe', ['me'])}` }, either))).toEqual([
      'ERR_INSUFFICIENT_SCOPE',
      403,
      'Bearer error="insufficient_scope", scope="items admin"',
      { detail: 'Not enough permissions' },
    ]);
  });

  it('OpenAPI states any-of as one requirement object per scope', () => {
    expect(auth.security({ scopes: ['me'], anyScopes: ['items', 'admin'] })).toEqual([
      { OAuth2PasswordBearer: ['me', 'items'] },
      { OAuth2PasswordBearer: ['me', 'admin'] },
    ]);
  });
});

describe('HTTP Basic', () => {
  const CHALLENGE = 'Basic realm="gatepass"';

  it('admits a right username and password, and refuses a wrong one and an unknown user with the same answer', async () => {
    expect((await auth.authenticate({ authorization: basicHeader('johndoe:secret') }, basicOnly)).scheme).toBe('HTTPBasic');
    const wrong = await refusal(auth.authenticate({ authorization: basicHeader('johndoe:nope') }, basicOnly));
    const unknown = await refusal(auth.authenticate({ authorization: basicHeader('nobody:secret') }, basicOnly));
    expect(wrong).toEqual(['ERR_BASIC_INVALID', 401, CHALLENGE, { detail: 'Incorrect username or password' }]);
    expect(unknown).toEqual(wrong);
  });

  it('keeps a colon in the password and takes the scheme in any case', async () => {
    users.set('colon', { name: 'colon', disabled: false, hash: await passwords.hash('a:b') });
    expect((await auth.authenticate({ authorization: `bAsIc ${Buffer.from('colon:a:b').toString('base64')}` }, basicOnly)).subject).toBe('colon');
  });

  it.each([
    ['not base64', 'Basic ***'],
    ['base64 of the wrong length', 'Basic am9obmRvZTpzZWNyZXQ'],
    ['no colon', basicHeader('johndoe')],
    ['not UTF-8', `Basic ${Buffer.from([0x6a, 0xff, 0x3a, 0x61]).toString('base64')}`],
    ['two credentials', 'Basic a b'],
    ['no space after the scheme', 'Basic\tam9obmRvZTpzZWNyZXQ='],
    ['an over-long header', `Basic ${'A'.repeat(5000)}`],
  ])('refuses %s with 401 and the Basic challenge', async (_name, header) => {
    expect(await refusal(auth.authenticate({ authorization: header }, basicOnly))).toEqual([
      'ERR_BASIC_MALFORMED',
      401,
      CHALLENGE,
      { detail: 'Invalid authentication credentials' },
    ]);
  });

  it('a Bearer token, no header or "Basic" alone are no Basic credentials: 401 with the Basic challenge', async () => {
    for (const authorization of [`Bearer ${await token('johndoe')}`, undefined, 'Basic', 'Basic   ']) {
      expect(await refusal(auth.authenticate({ authorization }, basicOnly))).toEqual(['ERR_NOT_AUTHENTICATED', 401, CHALLENGE, { detail: 'Not authenticated' }]);
    }
  });

  it('puts the username in NFC and refuses one holding a control character', async () => {
    users.set('jos\u00e9', { name: 'josé', disabled: false, hash: await passwords.hash('secret') });
    expect((await auth.authenticate({ authorization: basicHeader('jose\u0301:secret') }, basicOnly)).subject).toBe('jos\u00e9');
    expect((await refusal(auth.authenticate({ authorization: basicHeader('john\u0000doe:secret') }, basicOnly)))[0]).toBe('ERR_BASIC_MALFORMED');
  });

  it('a password over the hasher\'s limit is 400 "Password too long", before any hashing', async () => {
    expect(await refusal(auth.authenticate({ authorization: basicHeader(`johndoe:${'p'.repeat(1025)}`) }, basicOnly))).toEqual([
      'ERR_PASSWORD_TOO_LONG',
      400,
      undefined,
      { detail: 'Password too long' },
    ]);
  });

  // The time side channel, shown by the path rather than by a stopwatch: with one hashing slot and no
  // queue, whichever of two concurrent requests comes first holds the slot and the other is refused as
  // busy, whether the first names an unknown user or a known one with a wrong password.
  it('an unknown user takes the same path as a wrong password: each holds the one hashing slot', async () => {
    const oneSlot = createPasswordHasher({ memoryCost: 1024, timeCost: 1, maxConcurrent: 1, maxQueue: 0 });
    const strict = httpBasic<User>({
      schemeName: 'OneSlotBasic',
      async verify({ username, password }) {
        const user = users.get(username);
        if (!(await oneSlot.verifyUser(user?.hash, password)) || user === undefined) return null;
        return { subject: username, user };
      },
    });
    const engine = createGatepass<User>({ secret: SECRET, verifyCredentials: () => null, resolveUser: () => null });
    const guard = engine.guard({ schemes: [strict] });
    const wrong = { authorization: basicHeader('johndoe:nope') };
    const unknown = { authorization: basicHeader('nobody:secret') };
    for (const [first, second] of [
      [unknown, wrong],
      [wrong, unknown],
    ] as const) {
      const [a, b] = await Promise.allSettled([guard.check(first, false), guard.check(second, false)]);
      expect([(a as PromiseRejectedResult).reason?.code, (b as PromiseRejectedResult).reason?.code]).toEqual(['ERR_BASIC_INVALID', 'ERR_BUSY']);
    }
  });

  it('a disabled user is 400 Inactive user, as on every scheme', async () => {
    expect(await refusal(auth.authenticate({ authorization: basicHeader('alice:secret2') }, basicOnly))).toEqual([
      'ERR_INACTIVE_USER',
      400,
      undefined,
      { detail: 'Inactive user' },
    ]);
  });
});

describe('opaque bearer tokens and OpenID Connect', () => {
  it('a token over maxLength is refused before the hook', async () => {
    const short = httpBearer<User>({ schemeName: 'Short', maxLength: 16, verify: () => ({ subject: 'x', user: bot }) });
    expect((await refusal(auth.authenticate({ authorization: `Bearer ${'t'.repeat(17)}` }, { schemes: [short] })))[0]).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('httpBearer verifies with its hook and refuses an unknown token as invalid_token', async () => {
    expect((await auth.authenticate({ authorization: 'Bearer opaque-token-1' }, { schemes: [opaque] })).scheme).toBe('HTTPBearer');
    const [code, status, challenge] = await refusal(auth.authenticate({ authorization: 'Bearer opaque-token-2' }, { schemes: [opaque] }));
    expect([code, status, challenge]).toEqual(['ERR_TOKEN_INVALID', 401, 'Bearer error="invalid_token", error_description="The access token is invalid"']);
  });

  it('a hook that returns nonsense fails closed with a 500, never a pass', async () => {
    const broken = httpBearer<User>({ schemeName: 'Broken', verify: () => ({ subject: '', user: bot }) });
    const err = await rejection(auth.authenticate({ authorization: 'Bearer x' }, { schemes: [broken] }), BearerError);
    expect([err.code, err.status]).toEqual(['ERR_HOOK_FAILED', 500]);
  });
});

describe('OpenAPI from the guards', () => {
  it('each operation lists its alternatives as separate requirement objects', () => {
    expect(auth.security(machine)).toEqual([{ OAuth2PasswordBearer: ['items'] }, { APIKeyHeader: [] }]);
    expect(auth.security(basicOnly)).toEqual([{ HTTPBasic: [] }]);
    expect(auth.security()).toEqual([{ OAuth2PasswordBearer: [] }]);
    expect(auth.security({ schemes: [oidc], scopes: ['me'] })).toEqual([{ OpenIdConnect: ['me'] }]);
  });

  it('components.securitySchemes holds every scheme a guard used', () => {
    auth.security({ schemes: [opaque, queryKey, cookieKey] });
    expect(auth.openApi().securitySchemes).toEqual({
      OAuth2PasswordBearer: {
        type: 'oauth2',
        flows: {
          password: {
            tokenUrl: 'token',
            scopes: { me: 'Read information about the current user.', items: 'Read items.', admin: 'Administer.' },
          },
        },
      },
      APIKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      HTTPBasic: { type: 'http', scheme: 'basic' },
      OpenIdConnect: { type: 'openIdConnect', openIdConnectUrl: 'https://login.example.com/.well-known/openid-configuration' },
      HTTPBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'opaque' },
      APIKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
      APIKeyCookie: { type: 'apiKey', in: 'cookie', name: 'api_key' },
      // Used by guards in earlier tests.
      Broken: { type: 'http', scheme: 'bearer' },
      Short: { type: 'http', scheme: 'bearer' },
    });
  });

  it('refuses at setup two schemes that read the same Authorization scheme: the second could never answer', () => {
    expect(() => auth.guard({ schemes: [auth.bearer, opaque] })).toThrow(/two schemes read the same Authorization scheme/);
    expect(() => auth.guard({ schemes: [basic, httpBasic<User>({ schemeName: 'OtherBasic', verify: () => null })] })).toThrow(
      /two schemes read the same Authorization scheme/,
    );
    // An API key in a header and one in the query are real alternatives; the challenge is said once.
    return expect(auth.authenticate({}, { schemes: [headerKey, queryKey] })).rejects.toMatchObject({ headers: { 'WWW-Authenticate': 'APIKey' } });
  });

  it('refuses at setup: no scheme, an undeclared scope, two schemes of one name', () => {
    expect(() => auth.guard({ schemes: [] })).toThrow(/schemes must list at least one scheme/);
    expect(() => auth.guard({ schemes: [headerKey], anyScopes: ['itmes'] })).toThrow(/scopes not declared in createGatepass\(\): itmes/);
    const other = apiKey<User>({ in: 'header', name: 'X-Other-Key', verify: () => null });
    expect(() => auth.guard({ schemes: [other] })).toThrow(/two different schemes are named APIKeyHeader; give one a schemeName/);
  });
});

describe('the API key store', () => {
  it('verifies a stored key, forgets a removed one, refuses one stored twice', async () => {
    const store = await createApiKeyStore<User>([[KEY, { subject: 'reporting-bot', user: bot }]]);
    expect(await store.verify(KEY)).toMatchObject({ subject: 'reporting-bot' });
    expect(await store.verify(`${KEY}x`)).toBeNull();
    expect(await store.remove(KEY)).toBe(true);
    expect(await store.verify(KEY)).toBeNull();
    await expect(createApiKeyStore([[KEY, { subject: 'a', user: bot }], [KEY, { subject: 'b', user: bot }]])).rejects.toThrow(/stored already/);
  });
});
