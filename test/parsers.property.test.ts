// Property-based tests of the two parsers that read attacker-controlled input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError, BearerError, TokenRequestError, parseAuthorizationHeader, parsePasswordForm } from '../src/index.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const b64token = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'ABCXYZabcxyz0189-._~+/'), minLength: 1, maxLength: 60 }),
    fc.string({ unit: fc.constant('='), maxLength: 3 }),
  )
  .map(([body, padding]) => body + padding);
const ows = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 });
const bearerCasing = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR');

describe('Authorization header parser', () => {
  it('returns a b64token, returns undefined, or throws a BearerError: nothing else, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string().map((s) => `Bearer ${s}`)), (header) => {
        try {
          const token = parseAuthorizationHeader(header);
          if (token !== undefined) expect(token).toMatch(B64TOKEN);
        } catch (err) {
          expect(err).toBeInstanceOf(BearerError);
          expect((err as BearerError).code).toBe('ERR_TOKEN_MALFORMED');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back any b64token with any scheme casing, spaces after the scheme and whitespace around', () => {
    fc.assert(
      fc.property(ows, bearerCasing, fc.integer({ min: 1, max: 4 }), b64token, ows, (before, scheme, spaces, token, after) => {
        expect(parseAuthorizationHeader(`${before}${scheme}${' '.repeat(spaces)}${token}${after}`)).toBe(token);
      }),
    );
  });

  it('refuses any token holding a character outside b64token', () => {
    const outside = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/[A-Za-z0-9\-._~+/=\s]/.test(c));
    fc.assert(
      fc.property(b64token, outside, b64token, (head, bad, tail) => {
        expect(() => parseAuthorizationHeader(`Bearer ${head}${bad}${tail}`)).toThrow(BearerError);
      }),
    );
  });
});

describe('password form parser', () => {
  const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
  const scopeToken = fc.string({ unit: fc.constantFrom(...'abcXYZ019!#$:[]~'), minLength: 1, maxLength: 8 });

  it('reads back what a client encodes, urlencoded and multipart', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, fc.uniqueArray(scopeToken, { maxLength: 4 }), async (username, password, scopes) => {
        const fields = { grant_type: 'password', username, password, scope: scopes.join(' ') };
        // The username policy: NFC, and no control characters.
        fc.pre(!/[\u0000-\u001f\u007f-\u009f]/.test(username));
        const expected = { grantType: 'password', username: username.normalize('NFC'), password, scopes };
        const urlencoded = new URLSearchParams(fields).toString();
        await expect(
          parsePasswordForm({ body: urlencoded, contentType: 'application/x-www-form-urlencoded' }),
        ).resolves.toMatchObject(expected);
        const data = new FormData();
        for (const [name, value] of Object.entries(fields)) data.append(name, value);
        const request = new Request('http://localhost/', { method: 'POST', body: data });
        await expect(
          parsePasswordForm({ body: request.body, contentType: request.headers.get('content-type') }),
        ).resolves.toMatchObject(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses any username holding a control character, NUL included', async () => {
    const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c));
    await fc.assert(
      fc.asyncProperty(text, control, text, async (head, bad, tail) => {
        const body = new URLSearchParams({ username: head + bad + tail, password: 'secret' }).toString();
        const err = await parsePasswordForm({ body, contentType: 'application/x-www-form-urlencoded' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TokenRequestError);
        expect([(err as TokenRequestError).code, (err as TokenRequestError).parameter]).toEqual(['ERR_INVALID_PARAMETER', 'username']);
      }),
      { numRuns: 200 },
    );
  });

  it('resolves or rejects with a TokenRequestError for any bytes under any form content type', async () => {
    const contentType = fc.oneof(
      fc.constantFrom('application/x-www-form-urlencoded', 'multipart/form-data; boundary=X', 'multipart/form-data'),
      fc.string(),
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('username=a', 'password=b', '&', '=', '%', '--X\r\n', 'Content-Disposition: form-data; name="username"\r\n\r\n', '\r\n', '--X--') }),
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, async (bytes, type) => {
        try {
          const form = await parsePasswordForm({ body: bytes, contentType: type });
          expect(typeof form.username).toBe('string');
          expect(typeof form.password).toBe('string');
        } catch (err) {
          expect(err).toBeInstanceOf(TokenRequestError);
          expect(err).toBeInstanceOf(AuthError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
