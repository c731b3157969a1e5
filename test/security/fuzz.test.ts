// Property-based fuzzing (fast-check) of the three places gatepass reads attacker input, in process against
// the core: the Authorization header parser, the token-request form parser, and token verification.
// Properties: nothing but an AuthError ever escapes, and no token verifies unless gatepass signed it, as it
// was signed, byte for byte (one accepted spelling per token).
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  BearerError,
  TokenRequestError,
  createTokens,
  findBearerToken,
  parseAuthorizationHeader,
  parsePasswordForm,
  type AccessTokenClaims,
  type BodyInput,
  type PasswordForm,
} from '../../src/index.js';
import { securityEngine } from '../support/engine.js';
import { SECRET, b64url } from '../support/tokens.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Runs `fn`; returns its value, or the error it threw after checking it is an instance of `Kind`. */
async function onlyThrows<T>(Kind: abstract new (...args: never[]) => AuthError, fn: () => T | Promise<T>): Promise<T | AuthError> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof Kind)) throw new Error(`escaped: ${String(err)}`, { cause: err });
    return err;
  }
}

describe('Authorization header parser', () => {
  const header = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
    fc.string({ unit: fc.constantFrom(' ', '\t', 'B', 'e', 'a', 'r', 'b', '=', '.', 'A', '-', ',', '\u00a0'), maxLength: 40 }),
    fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Digest', ''), fc.string({ unit: 'binary', maxLength: 100 })).map(([s, t]) => `${s} ${t}`),
  );

  it('any value (or list of values) gives undefined, a b64token, or a BearerError: nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(header, fc.array(header, { maxLength: 3 }), fc.constantFrom(null, undefined)), async (value) => {
        const outcome = await onlyThrows(BearerError, () => parseAuthorizationHeader(value));
        if (outcome instanceof BearerError) {
          const repeated = Array.isArray(value) && value.length > 1;
          expect(outcome.code).toBe(repeated ? 'ERR_BEARER_INVALID_REQUEST' : 'ERR_TOKEN_MALFORMED');
        } else if (outcome !== undefined) {
          expect(outcome).toMatch(B64TOKEN);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('any cookie and request path, with cookie and query locations on: undefined, a b64token, or a BearerError', async () => {
    // Paths as a server hands them over (a single leading slash); see the `//[` case below for the rest.
    const path = fc.string({ unit: 'binary', maxLength: 80 }).map((s) => `/${s}`).filter((url) => URL.canParse(url, 'http://localhost'));
    await fc.assert(
      fc.asyncProperty(fc.option(header), fc.option(fc.string({ unit: 'binary', maxLength: 120 })), fc.option(path), async (authorization, cookie, url) => {
        const outcome = await onlyThrows(BearerError, () =>
          findBearerToken({ authorization, cookie, url }, { cookie: 'access_token', query: 'access_token' }),
        );
        if (!(outcome instanceof BearerError) && outcome !== undefined) expect(outcome).toMatch(B64TOKEN);
      }),
      { numRuns: 1000 },
    );
  });

  // With `tokenLocations.query` on, only the text after `?` is read. A URL parser would read a target
  // that starts with `//` (or `/\`) as a network path and throw on its "host" (`//[`: "Invalid URL"),
  // a non-AuthError each framework would answer its own way.
  it.each(['//[', '/\\[', '//a b/', 'http://['])(
    'a request target of %j with query tokens on: a BearerError or no token, never a TypeError',
    async (url) => {
      const outcome = await onlyThrows(BearerError, () => findBearerToken({ url }, { query: 'access_token' }));
      expect(outcome === undefined || outcome instanceof BearerError).toBe(true);
    },
  );
});

describe('password form parser', () => {
  const FORM = 'application/x-www-form-urlencoded';
  const name = fc.oneof(fc.constantFrom('grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret'), fc.string({ maxLength: 12 }));
  const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('password', 'johndoe', 'me items', ''));
  const randomFields = fc.array(fc.tuple(name, value), { maxLength: 20 });
  /** A login with arbitrary values and a few extra fields: mostly parses, so the success path is fuzzed too. */
  const loginFields = fc
    .tuple(value, value, fc.option(fc.string({ unit: fc.constantFrom('m', 'e', ' ', 'i', 't', 's', '\t', '"', 'é'), maxLength: 12 })), fc.array(fc.tuple(fc.string({ maxLength: 8 }), value), { maxLength: 4 }))
    .map(([username, password, scope, extra]): Array<[string, string]> => [
      ['username', username],
      ['password', password],
      ...(scope === null ? [] : [['scope', scope] as [string, string]]),
      ...extra,
    ]);
  const fieldList = fc.oneof(randomFields, loginFields);
  const urlencoded = fieldList.map((fields) => fields.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&'));
  const multipartText = fc.tuple(fieldList, fc.boolean(), fc.boolean()).map(([fields, withFile, terminated]) => {
    const parts = fields.map(([n, v]) => `--XyZ\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`);
    if (withFile) parts.push('--XyZ\r\nContent-Disposition: form-data; name="password"; filename="p.txt"\r\n\r\nsecret\r\n');
    return parts.join('') + (terminated ? '--XyZ--\r\n' : '');
  });
  const contentType = fc.oneof(
    fc.constantFrom(FORM, `${FORM}; charset=utf-8`, 'multipart/form-data; boundary=XyZ', 'multipart/form-data', 'application/json', 'text/plain', ''),
    fc.string({ maxLength: 40 }).map((b) => `multipart/form-data; boundary=${b}`),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(null, undefined),
  );
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }),
    urlencoded.map((s) => new TextEncoder().encode(s)),
    multipartText.map((s) => new TextEncoder().encode(s)),
    fc.string({ unit: 'binary', maxLength: 500 }).map((s) => new TextEncoder().encode(s)),
  );
  /** The bytes as text, as bytes, as a web stream or as a Node-style async iterable, in random chunks. */
  const body = fc.tuple(bytes, fc.constantFrom('bytes', 'text', 'web', 'iterable'), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 })).map(
    ([data, shape, cuts]): BodyInput => {
      const chunks: Uint8Array[] = [];
      for (let at = 0, i = 0; at < data.length; i++) {
        const size = cuts[i % cuts.length] as number;
        chunks.push(data.slice(at, at + size));
        at += size;
      }
      if (shape === 'bytes') return data;
      if (shape === 'text') return new TextDecoder().decode(data);
      if (shape === 'web') return new ReadableStream<Uint8Array>({ start: (c) => (chunks.forEach((chunk) => c.enqueue(chunk)), c.close()) });
      return (async function* () {
        yield* chunks;
      })();
    },
  );
  const authorization = fc.option(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    ),
  );

  function expectForm(form: PasswordForm): void {
    expect(typeof form.username).toBe('string');
    expect(form.username).not.toBe('');
    expect(form.username).not.toMatch(CONTROL);
    expect(form.username).toBe(form.username.normalize('NFC'));
    expect(typeof form.password).toBe('string');
    expect(form.password).not.toBe('');
    for (const scope of form.scopes) expect(scope).toMatch(SCOPE_TOKEN);
    expect([undefined, 'password']).toContain(form.grantType);
  }

  it('any bytes with any content type: a PasswordForm or a TokenRequestError, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.option(fc.oneof(fc.nat({ max: 200_000 }).map(String), fc.string({ maxLength: 8 }))),
        authorization,
        fc.constantFrom<'lenient' | 'strict'>('lenient', 'strict'),
        async (input, type, contentLength, auth, grantType) => {
          const outcome = await onlyThrows(TokenRequestError, () =>
            parsePasswordForm({ body: input, contentType: type, contentLength, authorization: auth }, { grantType, limits: { bodyTimeout: 2000 } }),
          );
          if (!(outcome instanceof AuthError)) expectForm(outcome);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any pre-parsed fields (what a framework body parser left): a PasswordForm or a TokenRequestError', async () => {
    const fields = fc.dictionary(name, fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.anything({ maxDepth: 2 })), { maxKeys: 20 });
    await fc.assert(
      fc.asyncProperty(fields, authorization, async (input, auth) => {
        const outcome = await onlyThrows(TokenRequestError, () => parsePasswordForm({ fields: input, contentType: FORM, authorization: auth }));
        if (!(outcome instanceof AuthError)) expectForm(outcome);
      }),
      { numRuns: 1000 },
    );
  });
});

// Genuine tokens, issued once by gatepass itself.
const tokens = createTokens({ secret: SECRET });
const issued = await Promise.all(
  [
    ['johndoe', ['me', 'items']],
    ['jos\u00e9', ['me']],
    ['a', []],
  ].map(([sub, scopes]) => tokens.issue(sub as string, { scopes: scopes as string[], claims: { n: 'x'.repeat(sub!.length) } })),
);
const originals = new Map(issued.map((i) => [i.token, i.claims]));

describe('token verification', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const anyChar = fc.oneof(fc.constantFrom(...ALPHABET), fc.constantFrom('.', '=', '+', '/', '~', ' ', '\u0000', 'é'));
  const json64 = (value: unknown) => b64url(JSON.stringify(value));

  /** A genuine token, then changed in one of many ways (sometimes, by chance, not at all). */
  const mutated = fc
    .tuple(
      fc.constantFrom(...issued.map((i) => i.token)),
      fc.nat(),
      anyChar,
      fc.constantFrom('flip', 'insert', 'delete', 'swap', 'duplicate', 'realg', 'escalate', 'resign', 'truncate', 'respell', 'none'),
      fc.uint8Array({ minLength: 32, maxLength: 48 }),
      fc.constantFrom('none', 'NONE', 'HS384', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA', 'HS256'),
    )
    .map(([token, position, char, how, otherKey, alg]) => {
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const at = position % (token.length + 1);
      switch (how) {
        case 'flip':
          return token.slice(0, at) + char + token.slice(at + 1);
        case 'insert':
          return token.slice(0, at) + char + token.slice(at);
        case 'delete':
          return token.slice(0, at) + token.slice(at + 1);
        case 'swap':
          return [payload, header, signature].join('.');
        case 'duplicate':
          return [header, payload, payload, signature].slice(position % 2).join('.');
        case 'realg':
          return `${json64({ alg })}.${payload}.${alg.toLowerCase() === 'none' ? '' : signature}`;
        case 'escalate': {
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as AccessTokenClaims;
          return `${header}.${json64({ ...claims, scope: 'me items admin', sub: 'johndoe' })}.${signature}`;
        }
        case 'resign': {
          const input = `${header}.${payload}`;
          return `${input}.${createHmac('sha256', otherKey).update(input).digest('base64url')}`;
        }
        case 'truncate':
          return token.slice(0, at);
        case 'respell': {
          // The same bytes, one segment spelled with an unused trailing bit set (a no-op for a segment
          // whose length leaves no unused bits).
          const parts = [header, payload, signature];
          const which = position % 3;
          const segment = parts[which] as string;
          if (segment.length % 4 === 0) return token;
          const last = ALPHABET.indexOf(segment.at(-1) as string);
          parts[which] = segment.slice(0, -1) + ALPHABET[last | 1];
          return parts.join('.');
        }
        default:
          return token;
      }
    });

  async function expectOnlyItsOwn(token: string): Promise<void> {
    const outcome = await onlyThrows(BearerError, () => tokens.verify(token));
    if (outcome instanceof BearerError) {
      expect(outcome.status).toBe(401);
      expect(outcome.oauthError).toBe('invalid_token');
      return;
    }
    // Accepted: it must be a token gatepass issued, spelled exactly as issued, with its claims unchanged.
    expect(originals.has(token), `accepted a token it did not sign: ${token}`).toBe(true);
    expect(outcome).toEqual(originals.get(token));
  }

  it('mutated genuine tokens: the untouched token verifies to its claims, every other one is a BearerError', async () => {
    await fc.assert(fc.asyncProperty(mutated, expectOnlyItsOwn), { numRuns: 1500 });
  });

  it('arbitrary strings and well-formed-looking garbage: always a BearerError', async () => {
    const segment = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 60 });
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
      fc.tuple(fc.jsonValue(), fc.jsonValue(), segment).map(([h, p, s]) => `${json64(h)}.${json64(p)}.${s}`),
      fc.tuple(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), segment).map(([p, s]) => `${json64({ alg: 'HS256' })}.${json64(p)}.${s}`),
    );
    await fc.assert(fc.asyncProperty(garbage, expectOnlyItsOwn), { numRuns: 1500 });
  });

  it('authenticate with any Authorization value: a principal only for a genuine token, else a BearerError', async () => {
    const { auth } = await securityEngine();
    const own = await auth.tokens.issue('johndoe', { scopes: ['me'] });
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      mutated.map((t) => `Bearer ${t}`),
      fc.constant(`Bearer ${own.token}`),
    );
    const genuine = new Set([own.token, ...originals.keys()].map((token) => `Bearer ${token}`));
    await fc.assert(
      fc.asyncProperty(value, async (authorization) => {
        const outcome = await onlyThrows(BearerError, () => auth.authenticate({ authorization }));
        if (!(outcome instanceof BearerError)) expect(genuine.has(authorization), authorization).toBe(true);
      }),
      { numRuns: 800 },
    );
  });
});
