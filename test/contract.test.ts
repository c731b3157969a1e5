// The example app's HTTP contract (shared/design/contract.md), one suite run against every adapter's
// example app as a real server (`tsx examples/<adapter>.ts`, one child process each), against the fetch
// tutorial on Bun, Deno and workerd as real servers (examples/bun.ts, examples/deno.ts, examples/workerd.ts),
// and against the fetch example's handler in memory. Tokens are minted with jose here, never through gatepass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { ADAPTER_NAMES } from './support/adapters.js';
import { RUNTIME_NAMES, runtimeBinary, runtimeVersion, startExample, type ExampleName } from './support/example-server.js';
import { TEST_SECRET, secretKey, tokens } from './support/tokens.js';

// ---------------------------------------------------------------------------------------------------
// Targets

interface Client {
  request(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

interface Target {
  name: string;
  start(): Promise<Client>;
}

function serverTarget(adapter: ExampleName): Target {
  return {
    name: `${adapter} (server)`,
    async start() {
      const server = await startExample(adapter);
      // HOST is honoured and PORT=0 means any free port.
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      return {
        // Redirects are answers too: `/users/me` must answer like `/users/me/`, not redirect to it.
        request: (path, init) => fetch(server.url + path, { redirect: 'manual', ...init }),
        stop: () => server.stop('SIGTERM'),
      };
    },
  };
}

const inMemoryFetch: Target = {
  name: 'fetch (in memory)',
  async start() {
    // examples/tutorial.ts reads the secret when it is first imported.
    process.env.GATEPASS_SECRET = TEST_SECRET;
    const { app } = await import('../examples/fetch.js');
    return {
      request: async (path, init) => app.fetch(new Request(`http://localhost${path}`, init)),
      stop: async () => {},
    };
  },
};

// Bun, Deno and workerd come with npm install (devDependencies `bun`, `deno`, `workerd`). A missing binary
// skips its targets here, loudly; under CI it fails instead.
const inCi = Boolean(process.env.CI);
const runtimes = RUNTIME_NAMES.filter((runtime) => runtimeVersion(runtime) !== null);
for (const runtime of RUNTIME_NAMES.filter((name) => !runtimes.includes(name))) {
  if (!inCi) console.warn(`SKIPPED ${runtime} (server) contract tests: ${runtimeBinary(runtime)} does not run (npm install)`);
}
describe.runIf(inCi)('runtimes (CI installs them with npm ci)', () => {
  it.each(RUNTIME_NAMES)('%s is installed', (runtime) => {
    expect(runtimeVersion(runtime), `${runtimeBinary(runtime)} --version failed: is the ${runtime} devDependency installed?`).not.toBeNull();
  });
});

/** Every example app that runs as a server: each adapter's on Node, and the fetch tutorial on each runtime. */
const servers: ExampleName[] = [...ADAPTER_NAMES, ...runtimes];

const targets: Target[] = [...servers.map(serverTarget), inMemoryFetch];

// Start every target at once (a child process each), then run the suites one after another.
const starting = new Map<Target, Promise<Client>>();
const launch = (target: Target): Promise<Client> => {
  let client = starting.get(target);
  if (client === undefined) {
    client = target.start();
    client.catch(() => {}); // reported by the target's own beforeAll
    starting.set(target, client);
  }
  return client;
};
beforeAll(() => {
  for (const target of targets) void launch(target);
});
// A target whose tests were all filtered out (`vitest -t …`) never runs its own afterAll: stop it here,
// so that no example app outlives the run. Stopping a stopped app again is a no-op.
afterAll(async () => {
  await Promise.allSettled([...starting.values()].map((client) => client.then((started) => started.stop())));
});

// ---------------------------------------------------------------------------------------------------
// Requests and assertions

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
// RFC 6749 §5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ).
const DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;
// Missing credentials: a plain `Bearer` challenge, realm/scope attributes allowed, never `error`.
const PLAIN_CHALLENGE = /^Bearer(?: (?:realm|scope)="[^"\\]*"(?:, ?(?:realm|scope)="[^"\\]*")*)?$/;
const INVALID_TOKEN_CHALLENGE = /^Bearer error="invalid_token"(?:, ?error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*")?$/;

const johndoe = { username: 'johndoe', email: 'johndoe@example.com', full_name: 'John Doe', disabled: false };
const johndoeItems = [{ item_id: 'Foo', owner: 'johndoe' }];

type Fields = Record<string, string> | Array<[string, string]>;

const urlencoded = (fields: Fields): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });
const multipart = (fields: Fields): RequestInit => {
  const data = new FormData();
  for (const [name, value] of Array.isArray(fields) ? fields : Object.entries(fields)) data.append(name, value);
  return { method: 'POST', body: data };
};
const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

async function jsonOf(res: Response): Promise<unknown> {
  expect(res.headers.get('content-type'), `${res.status} answered without a JSON content type`).toMatch(JSON_TYPE);
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${res.status} body is not JSON: ${text.slice(0, 200)}`);
  }
}

/** A token-endpoint error (RFC 6749 §5.2): JSON `{error, error_description, detail}`, `Cache-Control: no-store`. */
async function expectTokenError(res: Response, status: number, error: string | readonly string[]): Promise<Record<string, string>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await jsonOf(res)) as Record<string, string>;
  expect(Object.keys(body).sort()).toEqual(['detail', 'error', 'error_description']);
  if (typeof error === 'string') expect(body.error).toBe(error);
  else expect(error).toContain(body.error);
  expect(body.error_description).toMatch(DESCRIPTION);
  expect(typeof body.detail).toBe('string');
  return body;
}

async function expectNotAuthenticated(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(PLAIN_CHALLENGE);
  expect(await jsonOf(res)).toStrictEqual({ detail: 'Not authenticated' });
}

async function expectInvalidToken(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  const challenge = res.headers.get('www-authenticate');
  expect(challenge?.startsWith('Bearer error="invalid_token"'), `challenge: ${challenge}`).toBe(true);
  expect(challenge).toMatch(INVALID_TOKEN_CHALLENGE);
  expect(await jsonOf(res)).toStrictEqual({ detail: 'Could not validate credentials' });
}

async function expectInsufficientScope(res: Response, needed: string): Promise<void> {
  expect(res.status).toBe(403);
  expect(res.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${needed}"`);
  expect(await jsonOf(res)).toStrictEqual({ detail: 'Not enough permissions' });
}

async function expectInactive(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get('www-authenticate')).toBeNull();
  expect(await jsonOf(res)).toStrictEqual({ detail: 'Inactive user' });
}

/** A token response (RFC 6749 §5.1) and its JWT; returns the token and the granted `scope`, if any. */
async function expectTokenResponse(res: Response, sub: string): Promise<{ token: string; scope: string | undefined }> {
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
  const body = (await jsonOf(res)) as Record<string, unknown>;
  const keys = Object.keys(body).sort();
  expect([
    ['access_token', 'expires_in', 'token_type'],
    ['access_token', 'expires_in', 'scope', 'token_type'],
  ]).toContainEqual(keys);
  expect(body.token_type).toBe('bearer');
  expect(body.expires_in).toBe(1800);
  expect(typeof body.access_token).toBe('string');
  const token = body.access_token as string;

  expect(decodeProtectedHeader(token).alg).toBe('HS256');
  // Verifies only if the app used GATEPASS_SECRET as its UTF-8 bytes.
  const { payload } = await jwtVerify(token, secretKey(), { algorithms: ['HS256'] });
  expect(payload.sub).toBe(sub);
  expect(typeof payload.iat).toBe('number');
  expect(typeof payload.exp).toBe('number');
  expect((payload.exp as number) - (payload.iat as number)).toBe(1800);
  expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(60);

  const scope = body.scope as string | undefined;
  if (scope !== undefined) expect(typeof scope).toBe('string');
  // The JWT carries `scope` exactly when scopes were granted.
  if (scope === undefined || scope === '') expect(payload).not.toHaveProperty('scope');
  else expect(payload.scope).toBe(scope);
  return { token, scope };
}

const scopeSet = (scope: string | undefined): string[] | undefined => scope?.split(' ').sort();

const PROTECTED_ROUTES = ['/users/me/', '/users/me', '/users/me/items/', '/scoped/users/me/', '/scoped/users/me/items/', '/status/'];

const BAD_TOKENS = {
  malformed: tokens.malformed,
  'two segments': tokens.twoParts,
  'bad signature': tokens.wrongSignature,
  'tampered payload': tokens.tamperedPayload,
  expired: tokens.expired,
  'alg none': tokens.algNone,
  'alg HS512 (not allowed)': tokens.otherAlgorithm,
  'no sub': tokens.noSub,
  'unknown sub': tokens.unknownSub,
  'no exp': tokens.noExp,
  'non-string sub': tokens.nonStringSub,
  'object sub': tokens.objectSub,
  'non-string scope': tokens.nonStringScope,
};

// ---------------------------------------------------------------------------------------------------
// The contract

describe.each(targets)('$name', (target) => {
  let client: Client;
  const request = (path: string, init?: RequestInit): Promise<Response> => client.request(path, init);
  const login = (fields: Fields, path = '/token'): Promise<Response> => request(path, urlencoded(fields));

  beforeAll(async () => {
    client = await launch(target);
  });
  afterAll(async () => {
    await client?.stop();
  });

  describe('token endpoint (RFC 6749 §4.3, §5.1, §5.2)', () => {
    it('issues a token for an urlencoded form: headers, body, and an HS256 JWT', async () => {
      const { token, scope } = await expectTokenResponse(await login({ username: 'johndoe', password: 'secret' }), 'johndoe');
      expect(scope).toBeUndefined(); // nothing requested, nothing granted: no `scope` key
      expect(await jsonOf(await request('/users/me/', bearer(token)))).toStrictEqual(johndoe);
    });

    it('issues a token for a multipart form (fields only)', async () => {
      const res = await request('/token', multipart({ username: 'johndoe', password: 'secret' }));
      const { token, scope } = await expectTokenResponse(res, 'johndoe');
      expect(scope).toBeUndefined();
      expect((await request('/users/me/', bearer(token))).status).toBe(200);
    });

    it('accepts the urlencoded type without a charset parameter', async () => {
      const res = await request('/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=johndoe&password=secret',
      });
      await expectTokenResponse(res, 'johndoe');
    });

    it('accepts grant_type=password on /token and requires it on /token/strict', async () => {
      await expectTokenResponse(await login({ grant_type: 'password', username: 'johndoe', password: 'secret' }), 'johndoe');
      await expectTokenResponse(
        await login({ grant_type: 'password', username: 'johndoe', password: 'secret' }, '/token/strict'),
        'johndoe',
      );
      await expectTokenResponse(
        await request('/token/strict', multipart({ grant_type: 'password', username: 'johndoe', password: 'secret' })),
        'johndoe',
      );
    });

    it('grants `me items` and the token opens the scoped routes', async () => {
      const { token, scope } = await expectTokenResponse(
        await login({ username: 'johndoe', password: 'secret', scope: 'me items' }),
        'johndoe',
      );
      expect(scopeSet(scope)).toEqual(['items', 'me']);
      expect(await jsonOf(await request('/scoped/users/me/', bearer(token)))).toStrictEqual(johndoe);
      expect(await jsonOf(await request('/scoped/users/me/items/', bearer(token)))).toStrictEqual(johndoeItems);
    });

    it('grants a single requested scope', async () => {
      const { token, scope } = await expectTokenResponse(await login({ username: 'johndoe', password: 'secret', scope: 'me' }), 'johndoe');
      expect(scope).toBe('me');
      expect((await request('/scoped/users/me/', bearer(token))).status).toBe(200);
      await expectInsufficientScope(await request('/scoped/users/me/items/', bearer(token)), 'me items');
    });

    it('treats runs of spaces in `scope` like one space', async () => {
      const { scope } = await expectTokenResponse(
        await request('/token', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'username=johndoe&password=secret&scope=me%20%20%20items',
        }),
        'johndoe',
      );
      expect(scopeSet(scope)).toEqual(['items', 'me']);
      const multi = await expectTokenResponse(
        await request('/token', multipart({ username: 'johndoe', password: 'secret', scope: 'items  me' })),
        'johndoe',
      );
      expect(scopeSet(multi.scope)).toEqual(['items', 'me']);
    });

    it('grants alice only the scopes she may hold, and reports the grant', async () => {
      const both = await expectTokenResponse(await login({ username: 'alice', password: 'secret2', scope: 'me items' }), 'alice');
      expect(both.scope).toBe('me');
      // Nothing grantable: `scope` is "" and the JWT has no scope claim.
      const none = await expectTokenResponse(await login({ username: 'alice', password: 'secret2', scope: 'items' }), 'alice');
      expect(none.scope).toBe('');
    });

    it('gives alice (disabled) a token, which the active-user routes refuse', async () => {
      const { token, scope } = await expectTokenResponse(await login({ username: 'alice', password: 'secret2' }), 'alice');
      expect(scope).toBeUndefined();
      await expectInactive(await request('/users/me/', bearer(token)));
      expect(await jsonOf(await request('/status/', bearer(token)))).toStrictEqual({ status: 'ok' });
    });

    it.each([
      ['an undeclared scope', 'admin'],
      ['an undeclared scope beside a declared one', 'me admin'],
      ['a double quote', 'me"'],
      ['a backslash', 'me\\'],
      ['a non-ASCII character', 'mé'],
      ['a tab as separator', 'me\titems'],
    ])('refuses %s in `scope` with invalid_scope', async (_, scope) => {
      await expectTokenError(await login({ username: 'johndoe', password: 'secret', scope }), 400, 'invalid_scope');
      await expectTokenError(
        await request('/token', multipart({ username: 'johndoe', password: 'secret', scope })),
        400,
        'invalid_scope',
      );
    });

    it('answers a wrong password and an unknown user with the same invalid_grant body', async () => {
      // "Comparable time" is shown without a clock (machines are noisy): the unknown-user path does a
      // real argon2 verification (test/owasp-password-storage.test.ts); the timings belong in bench/.
      const bodies = new Set<string>();
      const attempts: Fields[] = [
        { username: 'johndoe', password: 'wrong' },
        { username: 'nobody', password: 'secret' },
        { username: 'alice', password: 'secret' },
        { username: 'Johndoe', password: 'secret' },
      ];
      for (const fields of attempts) {
        const res = await login(fields);
        const text = await res.clone().text();
        const body = await expectTokenError(res, 400, 'invalid_grant');
        expect(body.detail).toBe('Incorrect username or password');
        bodies.add(text);
      }
      expect(bodies.size, [...bodies].join('\n')).toBe(1);
    });

    it.each([
      ['username', { password: 'secret' }],
      ['password', { username: 'johndoe' }],
      ['both', { grant_type: 'password' }],
    ])('refuses a form without %s with invalid_request', async (_, fields) => {
      await expectTokenError(await login(fields), 400, 'invalid_request');
      await expectTokenError(await request('/token', multipart(fields)), 400, 'invalid_request');
    });

    it.each([
      ['application/json', JSON.stringify({ username: 'johndoe', password: 'secret' })],
      ['text/plain', 'username=johndoe&password=secret'],
      ['no content type', 'username=johndoe&password=secret'],
    ])('refuses a non-form body (%s) with invalid_request', async (type, body) => {
      const init: RequestInit =
        type === 'no content type'
          ? { method: 'POST', body: new TextEncoder().encode(body) }
          : { method: 'POST', headers: { 'content-type': type }, body };
      await expectTokenError(await request('/token', init), 400, 'invalid_request');
    });

    it.each([
      ['multipart without a boundary', 'multipart/form-data', 'username=johndoe&password=secret'],
      [
        'multipart cut short',
        'multipart/form-data; boundary=gatepassBoundary',
        '--gatepassBoundary\r\nContent-Disposition: form-data; name="username"\r\n\r\njohndoe\r\n--gatepassBoundary\r\nContent-Disposition: form-da',
      ],
      ['multipart that is not multipart', 'multipart/form-data; boundary=gatepassBoundary', 'username=johndoe&password=secret'],
    ])('refuses a malformed body (%s) with invalid_request', async (_, type, body) => {
      await expectTokenError(await request('/token', { method: 'POST', headers: { 'content-type': type }, body }), 400, 'invalid_request');
    });

    it.each(['/token', '/token/strict'])('refuses grant_type=client_credentials on %s with unsupported_grant_type', async (path) => {
      const fields = { grant_type: 'client_credentials', username: 'johndoe', password: 'secret' };
      await expectTokenError(await login(fields, path), 400, 'unsupported_grant_type');
      await expectTokenError(await request(path, multipart(fields)), 400, 'unsupported_grant_type');
    });

    it('issues without grant_type on /token, refuses on /token/strict', async () => {
      await expectTokenResponse(await login({ username: 'johndoe', password: 'secret' }), 'johndoe');
      await expectTokenError(
        await login({ username: 'johndoe', password: 'secret' }, '/token/strict'),
        400,
        ['unsupported_grant_type', 'invalid_request'],
      );
    });

    it.each([
      ['username', [['username', 'johndoe'], ['username', 'johndoe'], ['password', 'secret']]],
      ['password', [['username', 'johndoe'], ['password', 'secret'], ['password', 'secret']]],
      ['grant_type', [['grant_type', 'password'], ['grant_type', 'password'], ['username', 'johndoe'], ['password', 'secret']]],
      ['scope', [['username', 'johndoe'], ['password', 'secret'], ['scope', 'me'], ['scope', 'items']]],
    ] as Array<[string, Array<[string, string]>]>)('refuses a repeated %s with invalid_request', async (_, fields) => {
      await expectTokenError(await login(fields), 400, 'invalid_request');
      await expectTokenError(await request('/token', multipart(fields)), 400, 'invalid_request');
    });

    const oversized = `username=johndoe&password=secret&padding=${'a'.repeat(70 * 1024)}`;

    it('answers a body over 64 KiB with 413', async () => {
      const res = await request('/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: oversized,
      });
      await expectTokenError(res, 413, ['invalid_request']);
    });

    it('answers a chunked body over 64 KiB (no Content-Length) with 413', async () => {
      const bytes = new TextEncoder().encode(oversized);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.subarray(at, at + 4096));
          controller.close();
        },
      });
      const res = await request('/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        duplex: 'half',
      } as RequestInit);
      await expectTokenError(res, 413, ['invalid_request']);
    });

    // The refusal comes at the file part, while the client may still be sending: the server lets the rest
    // arrive (or closes after a grace) rather than resetting the connection, so the client reads the 400
    // and never a network error. Sent 20 times: a reset used to hit one request in four on Bun.
    it('refuses a multipart file part with invalid_request', async () => {
      const data = new FormData();
      data.append('username', 'johndoe');
      data.append('password', 'secret');
      data.append('avatar', new Blob(['x'.repeat(2000)], { type: 'text/plain' }), 'avatar.txt');
      for (let i = 0; i < 20; i++) {
        await expectTokenError(await request('/token', { method: 'POST', body: data }), 400, 'invalid_request');
      }
    });

    it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('answers %s /token with 405 and Allow: POST', async (method) => {
      const res = await request('/token', { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')?.split(',').map((m) => m.trim())).toEqual(['POST']);
      await jsonOf(res); // every error response is JSON
    });
  });

  describe('protected routes (RFC 6750 §3)', () => {
    let full: string; // johndoe, scopes me and items
    let plain: string; // johndoe, no scopes
    let aliceMe: string; // alice (disabled), scope me

    beforeAll(async () => {
      [full, plain, aliceMe] = await Promise.all([
        tokens.valid('johndoe', ['me', 'items']),
        tokens.valid('johndoe'),
        tokens.valid('alice', ['me']),
      ]);
    });

    describe.each(PROTECTED_ROUTES)('%s', (path) => {
      it('answers no Authorization header with 401 and a plain Bearer challenge', async () => {
        await expectNotAuthenticated(await request(path));
      });

      it.each([
        ['another scheme', 'Basic am9obmRvZTpzZWNyZXQ='],
        ['another scheme carrying a JWT', 'Token eyJhbGciOiJIUzI1NiJ9.e30.c2ln'],
        ['Bearer with no token', 'Bearer'],
        ['Bearer and spaces only', 'Bearer    '],
      ])('answers %s with 401 Not authenticated', async (_, authorization) => {
        await expectNotAuthenticated(await request(path, { headers: { authorization } }));
      });

      it.each(Object.entries(BAD_TOKENS))('answers a bad token (%s) with 401 invalid_token', async (_, make) => {
        await expectInvalidToken(await request(path, bearer(await make())));
      });

      it.each([
        ['two words', 'Bearer abc def'],
        ['a JWT and a word', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln extra'],
        ['characters outside b64token', 'Bearer abc!def'],
        ['padding inside', 'Bearer abc=def'],
      ])('answers credentials that are not a b64token (%s) with 401 invalid_token', async (_, authorization) => {
        await expectInvalidToken(await request(path, { headers: { authorization } }));
      });
    });

    const successes: Array<[string, unknown]> = [
      ['/users/me/', johndoe],
      ['/users/me', johndoe],
      ['/users/me/items/', johndoeItems],
      ['/scoped/users/me/', johndoe],
      ['/scoped/users/me/items/', johndoeItems],
      ['/status/', { status: 'ok' }],
    ];

    it.each(successes)('answers %s for johndoe with every scope', async (path, expected) => {
      const res = await request(path, bearer(full));
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual(expected);
    });

    it.each([
      ['lower-case scheme', (t: string) => `bearer ${t}`],
      ['upper-case scheme', (t: string) => `BEARER ${t}`],
      ['several spaces after the scheme', (t: string) => `Bearer    ${t}`],
      ['surrounding whitespace', (t: string) => `  Bearer ${t} \t`],
    ])('accepts a valid token with a %s', async (_, header) => {
      const res = await request('/users/me/', { headers: { authorization: header(full) } });
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual(johndoe);
    });

    it('answers /users/me/ and /users/me/items/ for a token without scopes', async () => {
      expect(await jsonOf(await request('/users/me/', bearer(plain)))).toStrictEqual(johndoe);
      expect(await jsonOf(await request('/users/me', bearer(plain)))).toStrictEqual(johndoe);
      expect(await jsonOf(await request('/users/me/items/', bearer(plain)))).toStrictEqual(johndoeItems);
    });

    it('answers a missing scope with 403 insufficient_scope naming every needed scope', async () => {
      await expectInsufficientScope(await request('/scoped/users/me/', bearer(plain)), 'me');
      await expectInsufficientScope(await request('/scoped/users/me/items/', bearer(plain)), 'me items');
      await expectInsufficientScope(await request('/scoped/users/me/items/', bearer(await tokens.valid('johndoe', ['me']))), 'me items');
      await expectInsufficientScope(await request('/scoped/users/me/items/', bearer(await tokens.valid('johndoe', ['items']))), 'me items');
      await expectInsufficientScope(await request('/scoped/users/me/', bearer(await tokens.valid('johndoe', ['items']))), 'me');
    });

    it.each(['/users/me/', '/users/me', '/users/me/items/', '/scoped/users/me/', '/scoped/users/me/items/'])(
      'answers %s for alice (disabled) with 400 Inactive user and no challenge',
      async (path) => {
        await expectInactive(await request(path, bearer(aliceMe)));
      },
    );

    it('answers /status/ for alice (inactive users too)', async () => {
      const res = await request('/status/', bearer(aliceMe));
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual({ status: 'ok' });
    });

    it('checks credentials (401) before the active user (400) before scopes (403)', async () => {
      // A bad token for a disabled user on a scoped route: 401, not 400 or 403.
      await expectInvalidToken(await request('/scoped/users/me/items/', bearer(await tokens.expired('alice'))));
      await expectInvalidToken(await request('/status/', bearer(await tokens.expired('alice', ['me']))));
      // No credentials on a scoped route: 401, not 403.
      await expectNotAuthenticated(await request('/scoped/users/me/items/'));
      // A bad token without the needed scopes: 401, not 403.
      await expectInvalidToken(await request('/scoped/users/me/items/', bearer(await tokens.expired('johndoe'))));
      // A disabled user lacking the needed scopes: 400, not 403.
      await expectInactive(await request('/scoped/users/me/items/', bearer(aliceMe)));
      await expectInactive(await request('/scoped/users/me/', bearer(await tokens.valid('alice'))));
    });
  });

  describe('more schemes: an API key or a bearer token, HTTP Basic', () => {
    const KEY = 'gpk_test_reporting_bot_0f3a7c1e9b5d2468ace13579bdf02468';
    const withKey = (key: string, extra: Record<string, string> = {}): RequestInit => ({ headers: { 'x-api-key': key, ...extra } });
    const basicAuth = (text: string): RequestInit => ({ headers: { authorization: `Basic ${Buffer.from(text).toString('base64')}` } });
    const BASIC_CHALLENGE = 'Basic realm="gatepass"';

    async function expectUnauthorized(res: Response, challenge: string, detail: string): Promise<void> {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge);
      expect(await jsonOf(res)).toStrictEqual({ detail });
    }

    it('/machine/items/ admits the API key in X-API-Key as reporting-bot', async () => {
      const res = await request('/machine/items/', withKey(KEY));
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual([{ item_id: 'Foo', owner: 'reporting-bot' }]);
    });

    it('/machine/items/ admits a bearer token with scope items as its user', async () => {
      const res = await request('/machine/items/', bearer(await tokens.valid('johndoe', ['items'])));
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual(johndoeItems);
    });

    it('/machine/items/ without credentials: 401 offering both a Bearer and an APIKey challenge', async () => {
      await expectUnauthorized(await request('/machine/items/'), 'Bearer, APIKey', 'Not authenticated');
    });

    it('/machine/items/ with a wrong key: 401, the key never echoed; an empty key is no key', async () => {
      const wrong = 'gpk_wrong_key_5c1d9e7a3b';
      const res = await request('/machine/items/', withKey(wrong));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('APIKey');
      const text = await res.clone().text();
      expect(text).not.toContain(wrong);
      expect(await jsonOf(res)).toStrictEqual({ detail: 'Could not validate credentials' });
      await expectUnauthorized(await request('/machine/items/', withKey('')), 'Bearer, APIKey', 'Not authenticated');
    });

    it('/machine/items/ takes the key from the header only, not from the query or a cookie', async () => {
      await expectUnauthorized(await request(`/machine/items/?api_key=${KEY}`), 'Bearer, APIKey', 'Not authenticated');
      await expectUnauthorized(await request('/machine/items/', { headers: { cookie: `api_key=${KEY}; X-API-Key=${KEY}` } }), 'Bearer, APIKey', 'Not authenticated');
    });

    it('/machine/items/ with a bearer token without scope items: 403; a bad token: 401 invalid_token', async () => {
      await expectInsufficientScope(await request('/machine/items/', bearer(await tokens.valid('johndoe', ['me']))), 'items');
      await expectInvalidToken(await request('/machine/items/', bearer(await tokens.wrongSignature())));
    });

    it('/basic/users/me/ admits johndoe with HTTP Basic', async () => {
      const res = await request('/basic/users/me/', basicAuth('johndoe:secret'));
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual(johndoe);
    });

    it('/basic/users/me/ without credentials, or with a Bearer token: 401 with the Basic challenge', async () => {
      await expectUnauthorized(await request('/basic/users/me/'), BASIC_CHALLENGE, 'Not authenticated');
      await expectUnauthorized(await request('/basic/users/me/', bearer(await tokens.valid('johndoe'))), BASIC_CHALLENGE, 'Not authenticated');
    });

    it('/basic/users/me/ answers a wrong password and an unknown user with the same bytes', async () => {
      const wrong = await request('/basic/users/me/', basicAuth('johndoe:wrong'));
      const unknown = await request('/basic/users/me/', basicAuth('nobody:secret'));
      expect([wrong.status, wrong.headers.get('www-authenticate'), await wrong.text()]).toEqual([
        401,
        BASIC_CHALLENGE,
        '{"detail":"Incorrect username or password"}',
      ]);
      expect([unknown.status, unknown.headers.get('www-authenticate'), await unknown.text()]).toEqual([
        401,
        BASIC_CHALLENGE,
        '{"detail":"Incorrect username or password"}',
      ]);
    });

    it.each([
      ['not base64', { headers: { authorization: 'Basic %%%' } }],
      ['no colon', basicAuth('johndoe')],
    ])('/basic/users/me/ with malformed credentials (%s): 401 with the Basic challenge', async (_name, init) => {
      const res = await request('/basic/users/me/', init);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(BASIC_CHALLENGE);
      expect(Object.keys((await jsonOf(res)) as object)).toEqual(['detail']);
    });

    it('/basic/users/me/ refuses alice, who is disabled, with 400 Inactive user', async () => {
      await expectInactive(await request('/basic/users/me/', basicAuth('alice:secret2')));
    });

    it('/openapi.json describes the three schemes and each route\'s alternatives', async () => {
      const doc = (await jsonOf(await request('/openapi.json'))) as {
        paths: Record<string, { get?: { security?: unknown } }>;
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(doc.components.securitySchemes.APIKeyHeader).toStrictEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
      expect(doc.components.securitySchemes.HTTPBasic).toStrictEqual({ type: 'http', scheme: 'basic' });
      expect(doc.components.securitySchemes).toHaveProperty('OAuth2PasswordBearer');
      expect(doc.paths['/machine/items/']?.get?.security).toStrictEqual([{ OAuth2PasswordBearer: ['items'] }, { APIKeyHeader: [] }]);
      expect(doc.paths['/basic/users/me/']?.get?.security).toStrictEqual([{ HTTPBasic: [] }]);
      expect(doc.paths['/scoped/users/me/items/']?.get?.security).toStrictEqual([{ OAuth2PasswordBearer: ['me', 'items'] }]);
    });
  });

  describe('unprotected routes', () => {
    it('answers /healthz with {"ok":true} and no auth', async () => {
      const res = await request('/healthz');
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toStrictEqual({ ok: true });
    });

    it('serves an OpenAPI 3.1 document of every route with the oauth2 password scheme', async () => {
      const res = await request('/openapi.json');
      expect(res.status).toBe(200);
      const doc = (await jsonOf(res)) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
        components: { securitySchemes: Record<string, { type: string; flows?: { password?: { tokenUrl: string; scopes: unknown } } }> };
      };
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      for (const path of ['/token', '/token/strict', '/users/me/', '/users/me/items/', '/scoped/users/me/', '/scoped/users/me/items/', '/status/', '/healthz']) {
        expect(doc.paths, path).toHaveProperty([path]);
      }
      expect(doc.paths['/token']).toHaveProperty('post');
      expect(doc.paths['/users/me/']).toHaveProperty('get');
      const oauth2 = Object.values(doc.components.securitySchemes).filter((scheme) => scheme.type === 'oauth2');
      expect(oauth2).toHaveLength(1);
      expect(oauth2[0]?.flows?.password?.tokenUrl).toBe('token');
      expect(oauth2[0]?.flows?.password?.scopes).toStrictEqual({
        me: 'Read information about the current user.',
        items: 'Read items.',
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Start-up and shutdown of the real servers

describe.concurrent('start and stop', () => {
  it.for(servers)(
    '%s: prints one URL line, makes a random key without GATEPASS_SECRET, stops on SIGINT',
    async (adapter, { expect }) => {
      const server = await startExample(adapter, { env: { GATEPASS_SECRET: undefined } });
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
        expect(server.stdout.split('\n').filter((line) => line.includes(server.url))).toHaveLength(1);
        expect(server.stderr, 'a warning that tokens will not survive a restart').toMatch(/GATEPASS_SECRET/);
        // The random key is not the test secret, and the app's own tokens work.
        const foreign = await fetch(`${server.url}/users/me/`, bearer(await tokens.valid()));
        expect(foreign.status).toBe(401);
        const res = await fetch(`${server.url}/token`, urlencoded({ username: 'johndoe', password: 'secret' }));
        expect(res.status).toBe(200);
        const { access_token } = (await res.json()) as { access_token: string };
        expect((await fetch(`${server.url}/users/me/`, bearer(access_token))).status).toBe(200);
      } finally {
        await server.stop('SIGINT');
      }
    },
  );
});
