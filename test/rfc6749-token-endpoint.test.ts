// RFC 6749 §4.3 (resource owner password credentials grant), §2.3.1 (client credentials), §3.1
// (parameters), §5.1 and §5.2 (responses): the password request form and the token endpoint.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  TokenRequestError,
  createGatepass,
  parsePasswordForm,
  type AuthErrorCode,
  type PasswordFormRequest,
} from '../src/index.js';
import { rejection } from './support/rejection.js';

const FORM = 'application/x-www-form-urlencoded';

const form = (body: string, contentType = FORM, extra: Partial<PasswordFormRequest> = {}) => ({ body, contentType, ...extra });

const failure = (parse: Promise<unknown>): Promise<TokenRequestError> => rejection(parse, TokenRequestError);
const codeOf = async (parse: Promise<unknown>): Promise<AuthErrorCode> => (await failure(parse)).code;

/** A multipart body as a browser's FormData would send it. */
async function multipart(fields: Record<string, string | Blob>): Promise<{ body: Uint8Array; contentType: string }> {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  const request = new Request('http://localhost/token', { method: 'POST', body: data });
  return { body: new Uint8Array(await request.arrayBuffer()), contentType: request.headers.get('content-type') as string };
}

describe('§4.3.2 access token request', () => {
  it('parses an urlencoded password grant', async () => {
    const parsed = await parsePasswordForm(form('grant_type=password&username=johndoe&password=secret&scope=me+items'));
    expect(parsed).toEqual({
      grantType: 'password',
      username: 'johndoe',
      password: 'secret',
      scopes: ['me', 'items'],
      clientId: undefined,
      clientSecret: undefined,
    });
  });

  it('puts the username in Unicode NFC and refuses control characters in it', async () => {
    expect((await parsePasswordForm(form('username=jo%CC%88rg&password=b'))).username).toBe('j\u00f6rg');
    for (const bad of ['a%00b', 'a%0Ab', 'a%7F', 'a%C2%85']) {
      const err = await failure(parsePasswordForm(form(`username=${bad}&password=b`)));
      expect([err.code, err.detail]).toEqual(['ERR_INVALID_PARAMETER', 'Invalid parameter: username']);
    }
    expect((await parsePasswordForm(form('username=a&password=p%00w'))).password).toBe('p\u0000w');
  });

  it('decodes percent-encoding and UTF-8', async () => {
    const parsed = await parsePasswordForm(form('username=j%C3%B6rg&password=p%26ss%3Dw%2Brd+x'));
    expect([parsed.username, parsed.password]).toEqual(['jörg', 'p&ss=w+rd x']);
  });

  it('parses multipart/form-data (fields only)', async () => {
    const parsed = await parsePasswordForm(await multipart({ username: 'johndoe', password: 'secret', scope: 'me' }));
    expect(parsed).toMatchObject({ grantType: undefined, username: 'johndoe', password: 'secret', scopes: ['me'] });
  });

  it('reads the body from a Node stream, a web ReadableStream, bytes or fields', async () => {
    const text = 'username=johndoe&password=secret';
    const bytes = new TextEncoder().encode(text);
    const inputs: PasswordFormRequest[] = [
      { body: Readable.from([bytes.slice(0, 5), bytes.slice(5)]), contentType: FORM },
      { body: new Blob([bytes]).stream(), contentType: FORM },
      { body: bytes, contentType: `${FORM}; charset=UTF-8` },
      { fields: { username: 'johndoe', password: 'secret' }, contentType: FORM },
    ];
    for (const input of inputs) {
      expect(await parsePasswordForm(input)).toMatchObject({ username: 'johndoe', password: 'secret' });
    }
  });

  it('accepts the content type case-insensitively', async () => {
    await expect(parsePasswordForm(form('username=a&password=b', 'Application/X-WWW-Form-URLEncoded'))).resolves.toBeDefined();
  });

  describe('grant_type', () => {
    it('lenient (default): may be absent, must be "password" when present', async () => {
      expect((await parsePasswordForm(form('username=a&password=b'))).grantType).toBeUndefined();
      expect(await codeOf(parsePasswordForm(form('grant_type=client_credentials&username=a&password=b')))).toBe(
        'ERR_UNSUPPORTED_GRANT_TYPE',
      );
    });

    it('strict: required (a missing required parameter is invalid_request)', async () => {
      const err = await failure(parsePasswordForm(form('username=a&password=b'), { grantType: 'strict' }));
      expect([err.code, err.oauthError, err.parameter]).toEqual(['ERR_MISSING_PARAMETER', 'invalid_request', 'grant_type']);
      expect(await codeOf(parsePasswordForm(form('grant_type=passwordx&username=a&password=b'), { grantType: 'strict' }))).toBe(
        'ERR_UNSUPPORTED_GRANT_TYPE',
      );
      const ok = await parsePasswordForm(form('grant_type=password&username=a&password=b'), { grantType: 'strict' });
      expect(ok.grantType).toBe('password');
    });
  });

  it.each([
    ['username', 'password=b'],
    ['password', 'username=a'],
    ['username', 'username=&password=b'],
    ['password', 'username=a&password='],
  ])('refuses a request without %s (empty counts as absent, §3.1)', async (parameter, body) => {
    const err = await failure(parsePasswordForm(form(body)));
    expect([err.code, err.parameter, err.description]).toEqual(['ERR_MISSING_PARAMETER', parameter, `Missing parameter: ${parameter}`]);
  });

  it('refuses a repeated parameter (§3.1) and ignores unknown ones', async () => {
    const err = await failure(parsePasswordForm(form('username=a&password=b&username=c')));
    expect([err.code, err.oauthError, err.detail]).toEqual(['ERR_REPEATED_PARAMETER', 'invalid_request', 'Repeated parameter: username']);
    expect(await codeOf(parsePasswordForm(form('username=a&password=b&scope=me&scope=')))).toBe('ERR_REPEATED_PARAMETER');
    expect(await codeOf(parsePasswordForm({ fields: { username: ['a', 'c'], password: 'b' }, contentType: FORM }))).toBe(
      'ERR_REPEATED_PARAMETER',
    );
    await expect(parsePasswordForm(form('username=a&password=b&foo=1&foo=2'))).resolves.toMatchObject({ username: 'a' });
  });

  describe('scope (§3.3)', () => {
    it('splits on runs of spaces and drops duplicates', async () => {
      expect((await parsePasswordForm(form('username=a&password=b&scope=+me+++items+me+'))).scopes).toEqual(['me', 'items']);
      expect((await parsePasswordForm(form('username=a&password=b&scope='))).scopes).toEqual([]);
    });

    it.each(['me%09items', 'me%22', 'me%5C', 'caf%C3%A9'])('refuses a scope outside the grammar: %s', async (scope) => {
      expect(await codeOf(parsePasswordForm(form(`username=a&password=b&scope=${scope}`)))).toBe('ERR_INVALID_SCOPE');
    });
  });

  describe('content type and body', () => {
    it.each([
      ['JSON', 'application/json', '{"username":"a","password":"b"}'],
      ['text', 'text/plain', 'username=a&password=b'],
      ['missing', '', 'username=a&password=b'],
    ])('refuses a %s body as invalid_request', async (_name, type, body) => {
      const err = await failure(parsePasswordForm(form(body, type)));
      expect([err.code, err.status, err.oauthError]).toEqual(['ERR_CONTENT_TYPE', 400, 'invalid_request']);
    });

    it('refuses multipart without a boundary and unterminated multipart', async () => {
      expect(await codeOf(parsePasswordForm(form('x', 'multipart/form-data')))).toBe('ERR_FORM_MALFORMED');
      const { body, contentType } = await multipart({ username: 'a', password: 'b' });
      expect(await codeOf(parsePasswordForm({ body: body.slice(0, body.length - 20), contentType }))).toBe('ERR_FORM_MALFORMED');
    });

    it('refuses a file part', async () => {
      const data = await multipart({ username: 'a', password: 'b', avatar: new File(['x'], 'a.png') });
      expect(await codeOf(parsePasswordForm(data))).toBe('ERR_FORM_FILE');
    });

    // An extended parser (qs) makes `username[]=a` an array and `username[a]=b` an object: refused, never coerced.
    it.each([
      ['an object', { a: '1' }],
      ['a one-item array (username[]=a)', ['a']],
      ['a number', 1],
      ['an array holding a non-string', ['a', { b: 'c' }]],
    ])('refuses a pre-parsed parameter holding %s as invalid_request', async (_name, username) => {
      const err = await failure(parsePasswordForm({ fields: { username, password: 'b' }, contentType: FORM }));
      expect([err.code, err.status, err.oauthError, err.parameter]).toEqual(['ERR_INVALID_PARAMETER', 400, 'invalid_request', 'username']);
    });

    it('ignores unknown pre-parsed parameters of any shape, which count toward the body and field limits only', async () => {
      const fields = { username: 'a', password: 'b', extra: { nested: ['x', 'y'] }, pad: 'x'.repeat(60 * 1024) };
      expect((await parsePasswordForm({ fields, contentType: FORM })).username).toBe('a');
      expect(await codeOf(parsePasswordForm({ fields: { ...fields, more: 'x'.repeat(5 * 1024) }, contentType: FORM }))).toBe('ERR_BODY_TOO_LARGE');
      const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, [String(i)]]));
      expect(await codeOf(parsePasswordForm({ fields: { username: 'a', password: 'b', ...many }, contentType: FORM }))).toBe('ERR_FORM_LIMIT');
    });

    // RFC 6749 §3.2: unrecognized parameters MUST be ignored; the per-field limit guards what gatepass reads.
    it.each([
      ['urlencoded', (pad: string) => form(`username=a&password=b&comment=${pad}`)],
      ['multipart', (pad: string) => multipart({ username: 'a', password: 'b', comment: pad })],
    ])('ignores a 60 KiB unknown %s parameter in a body under the limit; a known one over 8 KiB is refused', async (_name, build) => {
      const parsed = await parsePasswordForm(await build('x'.repeat(60 * 1024)));
      expect([parsed.username, parsed.password]).toEqual(['a', 'b']);
      const known = await build('x');
      const tooLong = form(`username=a&password=${'p'.repeat(8 * 1024 + 1)}`);
      expect(await codeOf(parsePasswordForm(tooLong))).toBe('ERR_FORM_LIMIT');
      expect((await parsePasswordForm(known)).username).toBe('a');
    });
  });
});

describe('limits', () => {
  it('answers a body over 64 KiB with 413, without reading past the limit', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled += 1024;
        yield new Uint8Array(1024).fill(0x61);
      }
    }
    const err = await failure(parsePasswordForm({ body: endless(), contentType: FORM }));
    expect([err.code, err.status]).toEqual(['ERR_BODY_TOO_LARGE', 413]);
    expect(err.body).toEqual({ error: 'invalid_request', error_description: 'Request body too large', detail: 'Request body too large' });
    expect(pulled).toBeLessThanOrEqual(65 * 1024);
  });

  it('refuses a body announced over the limit before reading it', async () => {
    let read = false;
    const body = new ReadableStream<Uint8Array>({ pull: () => void (read = true) }, { highWaterMark: 0 });
    expect(await codeOf(parsePasswordForm({ body, contentType: FORM, contentLength: '70000' }))).toBe('ERR_BODY_TOO_LARGE');
    expect(read).toBe(false);
  });

  it('enforces configurable byte, field-count and field-size limits', async () => {
    const limits = { maxBodyBytes: 100, maxFields: 3, maxFieldBytes: 10 };
    expect(await codeOf(parsePasswordForm(form(`username=a&password=${'b'.repeat(95)}`), { limits }))).toBe('ERR_BODY_TOO_LARGE');
    expect(await codeOf(parsePasswordForm(form('username=a&password=b&x=1&y=2'), { limits }))).toBe('ERR_FORM_LIMIT');
    expect(await codeOf(parsePasswordForm(form(`username=a&password=${'b'.repeat(11)}`), { limits }))).toBe('ERR_FORM_LIMIT');
    const fields = { username: 'a', password: 'b'.repeat(11) };
    expect(await codeOf(parsePasswordForm({ fields, contentType: FORM }, { limits }))).toBe('ERR_FORM_LIMIT');
    const multi = await multipart({ username: 'a', password: 'b', x: '1', y: '2' });
    expect(await codeOf(parsePasswordForm(multi, { limits: { maxFields: 3 } }))).toBe('ERR_FORM_LIMIT');
  });

  it('holds a pre-parsed body to the byte limit and caps parameter names, as for a raw body', async () => {
    // What express.urlencoded() leaves for a chunked body that announced no length.
    const fields = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, 'x'.repeat(8000)]));
    expect(await codeOf(parsePasswordForm({ fields: { username: 'a', password: 'b', ...fields }, contentType: FORM }))).toBe(
      'ERR_BODY_TOO_LARGE',
    );
    const longName = { username: 'a', password: 'b', ['n'.repeat(101)]: '1' };
    expect(await codeOf(parsePasswordForm({ fields: longName, contentType: FORM }))).toBe('ERR_FORM_LIMIT');
    expect(await codeOf(parsePasswordForm(form(`username=a&password=b&${'n'.repeat(101)}=1`)))).toBe('ERR_FORM_LIMIT');
  });

  it('answers 408 when the body does not arrive within bodyTimeout, and cancels the stream', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>(
      { pull: () => new Promise(() => {}), cancel: () => void (cancelled = true) },
      { highWaterMark: 0 },
    );
    const err = await failure(parsePasswordForm({ body, contentType: FORM }, { limits: { bodyTimeout: 50 } }));
    expect([err.code, err.status]).toEqual(['ERR_BODY_TIMEOUT', 408]);
    expect(err.headers).toEqual({ 'Cache-Control': 'no-store', Pragma: 'no-cache', Connection: 'close' });
    expect(cancelled).toBe(true);
  });

  it('asks to close the connection after refusing a body as too large', async () => {
    const err = await failure(parsePasswordForm({ body: 'x'.repeat(70_000), contentType: FORM }));
    expect(err.headers).toEqual({ 'Cache-Control': 'no-store', Pragma: 'no-cache', Connection: 'close' });
  });

  it('cancels a web stream it stops reading', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(4096)),
      cancel: () => void (cancelled = true),
    });
    expect(await codeOf(parsePasswordForm({ body, contentType: FORM }))).toBe('ERR_BODY_TOO_LARGE');
    expect(cancelled).toBe(true);
  });
});

describe('§2.3.1 client credentials', () => {
  const basic = (id: string, secret: string) =>
    `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)))}`;

  it('reads them from the body', async () => {
    const parsed = await parsePasswordForm(form('username=a&password=b&client_id=app&client_secret=s3'));
    expect([parsed.clientId, parsed.clientSecret]).toEqual(['app', 's3']);
  });

  it('reads them from HTTP Basic, form-urlencoded inside', async () => {
    const parsed = await parsePasswordForm(form('username=a&password=b', FORM, { authorization: basic('my app', 'sé:cret') }));
    expect([parsed.clientId, parsed.clientSecret]).toEqual(['my app', 'sé:cret']);
  });

  it('treats empty Basic client credentials (Swagger UI\'s "Basic Og==") as none', async () => {
    const parsed = await parsePasswordForm(form('username=a&password=b&client_id=app', FORM, { authorization: 'Basic Og==' }));
    expect([parsed.clientId, parsed.clientSecret]).toEqual(['app', undefined]);
  });

  it('ignores a bearer Authorization header', async () => {
    const parsed = await parsePasswordForm(form('username=a&password=b', FORM, { authorization: 'Bearer abc' }));
    expect(parsed.clientId).toBeUndefined();
  });

  it('refuses two client authentication methods at once', async () => {
    const both = form('username=a&password=b&client_secret=x', FORM, { authorization: basic('app', 's') });
    expect(await codeOf(parsePasswordForm(both))).toBe('ERR_REPEATED_PARAMETER');
    const otherId = form('username=a&password=b&client_id=other', FORM, { authorization: basic('app', 's') });
    expect(await codeOf(parsePasswordForm(otherId))).toBe('ERR_REPEATED_PARAMETER');
  });

  it.each(['Basic', 'Basic !!!', 'Basic dXNlcg==', `Basic ${btoa(':secret')}`, 'Basic /w==', `Basic ${btoa('a%zz:b')}`])(
    'refuses malformed Basic credentials with 401 invalid_client and a Basic challenge: %s',
    async (authorization) => {
      const err = await failure(parsePasswordForm(form('username=a&password=b', FORM, { authorization })));
      expect([err.code, err.status, err.oauthError]).toEqual(['ERR_INVALID_CLIENT', 401, 'invalid_client']);
      expect(err.headers).toEqual({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'WWW-Authenticate': 'Basic' });
    },
  );
});

describe('§5.2 error response', () => {
  it.each([
    ['ERR_INVALID_GRANT', 400, 'invalid_grant', 'Incorrect username or password'],
    ['ERR_UNSUPPORTED_GRANT_TYPE', 400, 'unsupported_grant_type', 'Unsupported grant type'],
    ['ERR_INVALID_SCOPE', 400, 'invalid_scope', 'Invalid scope'],
    ['ERR_CONTENT_TYPE', 400, 'invalid_request', 'Unsupported content type, expected a form'],
    ['ERR_INVALID_CLIENT', 401, 'invalid_client', 'Client authentication failed'],
    ['ERR_BUSY', 503, 'temporarily_unavailable', 'Service temporarily unavailable'],
  ] as const)('%s → %i %s', (code, status, error, detail) => {
    const err = new TokenRequestError(code);
    expect(err.status).toBe(status);
    expect(err.body).toEqual({ error, error_description: err.description, detail });
    expect(err.headers).toMatchObject({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    expect(err.headers).not.toHaveProperty('WWW-Authenticate');
  });
});

describe('the engine at the token endpoint', () => {
  const scopes = { me: 'Read information about the current user.', items: 'Read items.' };
  const calls: string[] = [];
  const auth = createGatepass({
    secret: 'a-test-secret-that-is-at-least-32-bytes-long',
    scopes,
    verifyCredentials: ({ username, password }) => {
      calls.push(username);
      if (username === 'broken') throw new Error('database is down');
      if (username === 'client') throw new TokenRequestError('ERR_INVALID_CLIENT');
      return password === 'secret' ? { subject: username, scopes: username === 'alice' ? ['me'] : ['me', 'items'] } : null;
    },
    resolveUser: () => null,
  });
  const request = (body: string) => ({ body, contentType: FORM });

  it('issues a token with the granted scopes', async () => {
    const answer = await auth.issueToken(request('username=johndoe&password=secret&scope=me items'));
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    expect(answer.body).toMatchObject({ token_type: 'bearer', expires_in: 1800, scope: 'me items' });
    expect(await auth.tokens.verify(answer.body.access_token)).toMatchObject({ sub: 'johndoe', scope: 'me items' });
  });

  it('grants only the scopes the user may hold', async () => {
    const answer = await auth.issueToken(request('username=alice&password=secret&scope=me items'));
    expect(answer.body.scope).toBe('me');
  });

  it('refuses wrong credentials with invalid_grant', async () => {
    const err = await failure(auth.issueToken(request('username=johndoe&password=wrong')));
    expect(err.body).toEqual({
      error: 'invalid_grant',
      error_description: 'Incorrect username or password',
      detail: 'Incorrect username or password',
    });
  });

  it('refuses an undeclared scope before checking the password', async () => {
    calls.length = 0;
    expect(await codeOf(auth.issueToken(request('username=johndoe&password=secret&scope=admin')))).toBe('ERR_INVALID_SCOPE');
    expect(calls).toEqual([]);
  });

  it('applies the strict grant type per endpoint', async () => {
    const err = await failure(auth.issueToken(request('username=johndoe&password=secret'), { grantType: 'strict' }));
    expect(err.code).toBe('ERR_MISSING_PARAMETER');
  });

  it('turns a failing verifyCredentials into a 500 that says nothing of it, and passes its own AuthErrors', async () => {
    const err = await failure(auth.issueToken(request('username=broken&password=secret')));
    expect([err.code, err.status]).toEqual(['ERR_HOOK_FAILED', 500]);
    expect(err.body).toEqual({ error: 'server_error', error_description: 'The server failed to process the request', detail: 'Internal Server Error' });
    expect(err.cause).toBeUndefined();
    expect(await codeOf(auth.issueToken(request('username=client&password=secret')))).toBe('ERR_INVALID_CLIENT');
  });

  it.each([
    ['an empty subject', { subject: '' }],
    ['a numeric subject', { subject: 42 }],
    ['scopes as a string (never searched by substring)', { subject: 'johndoe', scopes: 'me admin' }],
    ['scopes holding a non-string', { subject: 'johndoe', scopes: ['me', 1] }],
    ['claims that are not an object', { subject: 'johndoe', claims: 'x' }],
    ['a string instead of a Login', 'johndoe'],
  ])('fails closed (500) when verifyCredentials returns %s', async (_name, login) => {
    const thrown: unknown[] = [];
    const odd = createGatepass({
      secret: 'a-test-secret-that-is-at-least-32-bytes-long',
      scopes,
      verifyCredentials: () => login as never,
      resolveUser: () => null,
      onError: (_error, exception) => thrown.push(exception),
    });
    const err = await failure(odd.issueToken(request('username=johndoe&password=secret&scope=me')));
    expect([err.code, err.status]).toEqual(['ERR_HOOK_FAILED', 500]);
    expect(thrown[0]).toBeInstanceOf(TypeError);
  });

  describe('a failure while the form is read', () => {
    const observed = (seen: Array<[string, unknown]>) =>
      createGatepass({
        secret: 'a-test-secret-that-is-at-least-32-bytes-long',
        verifyCredentials: () => null,
        resolveUser: () => null,
        onError: (error, exception) => seen.push([error.code, exception]),
      });
    /** A Web stream of the given chunks, then an error when `fail` is set. */
    const stream = (chunks: unknown[], fail?: Error) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk as Uint8Array);
          if (fail === undefined) controller.close();
          else controller.error(fail);
        },
      });

    it('of the server (a body that yields neither bytes nor text): 500 through onError, never a 400', async () => {
      const seen: Array<[string, unknown]> = [];
      const err = await failure(observed(seen).issueToken({ body: stream([{ length: 3 }]), contentType: FORM }));
      expect([err.code, err.status, err.body]).toEqual([
        'ERR_HOOK_FAILED',
        500,
        { error: 'server_error', error_description: 'The server failed to process the request', detail: 'Internal Server Error' },
      ]);
      expect(seen.map(([code]) => code)).toEqual(['ERR_HOOK_FAILED']);
      expect(seen[0]![1]).toBeInstanceOf(TypeError);
      // What the reader threw is kept for onError, not as the cause a logger would walk.
      expect(err.cause).toBeUndefined();
    });

    it('none for a stream of text chunks (a Node stream with an encoding set): read as UTF-8', async () => {
      const usernames: string[] = [];
      const auth = createGatepass({
        secret: 'a-test-secret-that-is-at-least-32-bytes-long',
        verifyCredentials: ({ username }) => (usernames.push(username), null),
        resolveUser: () => null,
      });
      expect(await codeOf(auth.issueToken({ body: stream(['username=j\u00f6', 'hn&password=b']), contentType: FORM }))).toBe('ERR_INVALID_GRANT');
      expect(usernames).toEqual(['j\u00f6hn']);
    });

    it('of the client (a body that breaks off): 400 malformed, and onError hears nothing', async () => {
      const seen: Array<[string, unknown]> = [];
      const body = stream([new TextEncoder().encode('username=a&pass')], new Error('aborted'));
      expect(await codeOf(observed(seen).issueToken({ body, contentType: FORM }))).toBe('ERR_FORM_MALFORMED');
      expect(seen).toEqual([]);
    });
  });

  it('validates its options at creation', () => {
    const base = { secret: 'a-test-secret-that-is-at-least-32-bytes-long', resolveUser: () => null };
    expect(() => createGatepass({ ...base } as never)).toThrow(TypeError);
    expect(() => createGatepass({ ...base, verifyCredentials: () => null, scopes: { 'bad scope': 'x' } })).toThrow(TypeError);
  });
});
