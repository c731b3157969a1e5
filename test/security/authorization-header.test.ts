// Hostile Authorization headers against GET /me on every adapter, over raw sockets (fetch refuses or
// normalises most of these). Two layers answer: Node's HTTP parser refuses what HTTP/1.1 forbids before
// any app code runs (exact bytes asserted, see nodeRefusal), and gatepass answers the rest with an RFC 6750
// challenge. Every case ends with the server still answering a plain request.
import { describe, expect, it } from 'vitest';
import { adapters, serve } from '../support/adapters.js';
import { NOT_AUTHENTICATED } from '../support/answers.js';
import { PASSWORD, securityEngine } from '../support/engine.js';
import {
  expectAnswer,
  expectHealthy,
  expectInvalidToken,
  get,
  nodeRefusal,
  rawRequest,
  send,
  type HeaderList,
} from '../support/raw-http.js';
import { claims, hmacToken } from '../support/tokens.js';

const token = hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ scope: 'me' }));
const OK = { status: 200, body: { sub: 'johndoe', scopes: ['me'] } };
const PLAIN_CHALLENGE = { status: 401, body: NOT_AUTHENTICATED, challenge: 'Bearer' };
const REPEATED = {
  status: 400,
  body: { detail: 'Invalid authentication request' },
  challenge: 'Bearer error="invalid_request", error_description="The access token was sent in more than one place"',
};

/** A GET /me whose Authorization line is these exact bytes. */
const withAuthorizationBytes = (value: Buffer): Buffer =>
  Buffer.concat([Buffer.from('GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: '), value, Buffer.from('\r\nConnection: close\r\n\r\n')]);
const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

// Refused by Node's parser (400) before the app sees them.
const CONTROL_BYTES = [0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x1b, 0x1f, 0x7f];
const nodeRefused: Array<[string, Buffer]> = [
  ...CONTROL_BYTES.map((byte): [string, Buffer] => [
    `control byte 0x${byte.toString(16).padStart(2, '0')} inside the token`,
    withAuthorizationBytes(bytes(`Bearer ${token.slice(0, 20)}`, [byte], token.slice(20))),
  ]),
  ['a bare CR inside the value', withAuthorizationBytes(bytes(`Bearer ${token.slice(0, 20)}\r${token.slice(20)}`))],
  ['a bare LF ending the line', withAuthorizationBytes(bytes(`Bearer ${token}\nX-Smuggled: 1`))],
  ['an obs-fold continuation line', withAuthorizationBytes(bytes(`Bearer ${token.slice(0, 20)}\r\n ${token.slice(20)}`))],
  ['whitespace before the colon', bytes(`GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization : Bearer ${token}\r\nConnection: close\r\n\r\n`)],
  ['NUL in the header name', bytes('GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthori', [0], `zation: Bearer ${token}\r\nConnection: close\r\n\r\n`)],
];

const headerCases: Array<[string, HeaderList, 'ok' | 'plain' | Parameters<typeof expectInvalidToken>[1]]> = [
  // Tabs and spaces
  ['a tab between scheme and token', { Authorization: `Bearer\t${token}` }, 'ERR_TOKEN_MALFORMED'],
  ['a space then a tab before the token', { Authorization: `Bearer \t${token}` }, 'ERR_TOKEN_MALFORMED'],
  ['tabs and spaces around the whole value (Node trims them)', { Authorization: `\t  Bearer ${token} \t ` }, 'ok'],
  ['2000 spaces between scheme and token', { Authorization: `Bearer${' '.repeat(2000)}${token}` }, 'ok'],
  ['2000 tabs between scheme and token', { Authorization: `Bearer${'\t'.repeat(2000)}${token}` }, 'ERR_TOKEN_MALFORMED'],
  ['a space inside the token', { Authorization: `Bearer ${token.slice(0, 30)} ${token.slice(30)}` }, 'ERR_TOKEN_MALFORMED'],
  ['a second word after the token', { Authorization: `Bearer ${token} admin` }, 'ERR_TOKEN_MALFORMED'],
  // Unicode (sent as UTF-8 bytes; Node reads header bytes as latin1)
  ['an é after the token', { Authorization: `Bearer ${token}é` }, 'ERR_TOKEN_MALFORMED'],
  ['a no-break space as separator', { Authorization: `Bearer\u00a0${token}` }, 'ERR_TOKEN_MALFORMED'],
  ['an ideographic space as separator', { Authorization: `Bearer\u3000${token}` }, 'ERR_TOKEN_MALFORMED'],
  ['a Cyrillic е in the scheme', { Authorization: `B\u0435arer ${token}` }, 'plain'],
  ['a fullwidth scheme', { Authorization: `\uff22earer ${token}` }, 'plain'],
  ['a zero-width space inside the token', { Authorization: `Bearer ${token.slice(0, 30)}\u200b${token.slice(30)}` }, 'ERR_TOKEN_MALFORMED'],
  // Size: under Node's 16 KiB header limit, over gatepass's 8192-character token limit
  ['an 8193-character token', { Authorization: `Bearer ${'A'.repeat(8193)}` }, 'ERR_TOKEN_TOO_LARGE'],
  ['a 15 KiB token', { Authorization: `Bearer ${'A'.repeat(15 * 1024)}` }, 'ERR_TOKEN_TOO_LARGE'],
  // Schemes
  ['Basic credentials', { Authorization: `Basic ${btoa(`johndoe:${PASSWORD}`)}` }, 'plain'],
  ['Basic credentials that are not base64', { Authorization: 'Basic !!!not-base64!!!' }, 'plain'],
  ['Digest credentials', { Authorization: 'Digest username="johndoe", realm="api", response="6629fae49393a05397450978507c4ef1"' }, 'plain'],
  ['a Token scheme', { Authorization: `Token ${token}` }, 'plain'],
  ['the scheme glued to the token', { Authorization: `Bearer${token}` }, 'plain'],
  ['a colon after the scheme', { Authorization: `Bearer:${token}` }, 'ERR_TOKEN_MALFORMED'],
  ['an empty value', { Authorization: '' }, 'plain'],
  ['the scheme alone', { Authorization: 'Bearer' }, 'plain'],
  ['the scheme and spaces (Node trims them)', { Authorization: 'Bearer     ' }, 'plain'],
  ['a mixed-case scheme (RFC 9110 §11.1)', { Authorization: `bEaReR ${token}` }, 'ok'],
  ['a comma-separated list of credentials', { Authorization: `Bearer ${token}, Basic ${btoa('a:b')}` }, 'ERR_TOKEN_MALFORMED'],
  ['the token in Proxy-Authorization', { 'Proxy-Authorization': `Bearer ${token}` }, 'plain'],
  ['the token in a cookie (cookies are off by default)', { Cookie: `access_token=${token}` }, 'plain'],
];

describe.each(adapters)('$name', (adapter) => {
  const app = serve(adapter, () => securityEngine().then((e) => e.auth));

  it('accepts the genuine token (baseline)', async () => {
    expectAnswer(await get(app(), '/me', { Authorization: `Bearer ${token}` }), OK);
  });

  describe('refused by Node before the app', () => {
    it.each(nodeRefused)('%s: 400, connection closed', async (_name, request) => {
      const res = await rawRequest(app(), request);
      expect(res.raw).toBe(nodeRefusal(adapter.name, 400));
      await expectHealthy(app());
    });

    it.each([
      ['16 KiB', 16 * 1024],
      ['64 KiB', 64 * 1024],
    ])('a %s Authorization value: 431, connection closed', async (_name, size) => {
      const res = await rawRequest(app(), withAuthorizationBytes(Buffer.from(`Bearer ${'A'.repeat(size)}`)));
      expect(res.raw).toBe(nodeRefusal(adapter.name, 431));
      await expectHealthy(app());
    });
  });

  describe('answered by gatepass', () => {
    it.each(headerCases)('%s', async (_name, headers, expected) => {
      const res = await get(app(), '/me', headers);
      if (expected === 'ok') expectAnswer(res, OK);
      else if (expected === 'plain') expectAnswer(res, PLAIN_CHALLENGE);
      else expectInvalidToken(res, expected);
      await expectHealthy(app());
    });

    it('a raw 0xFF byte (not UTF-8) after the token', async () => {
      expectInvalidToken(await rawRequest(app(), withAuthorizationBytes(bytes(`Bearer ${token}`, [0xff]))), 'ERR_TOKEN_MALFORMED');
      await expectHealthy(app());
    });

    it('the token in the access_token query parameter (off by default)', async () => {
      expectAnswer(await get(app(), `/me?access_token=${token}`), PLAIN_CHALLENGE);
    });
  });

  // RFC 6750 §3.1: credentials sent more than once are an invalid_request (400). Express, Koa and Fastify
  // read Node's headersDistinct and see both lines. The fetch adapter only has a WHATWG Headers object,
  // where @hono/node-server joins the lines with ", " into one value: that value is not a b64token, so it
  // is refused too, but as a malformed token (401), or as no bearer credentials at all when the first
  // line is another scheme.
  describe('repeated Authorization headers', () => {
    const twice = (first: string, second: string) => send(app(), { path: '/me', headers: [['Authorization', first], ['authorization', second]] });

    it('the same valid token twice', async () => {
      const res = await twice(`Bearer ${token}`, `Bearer ${token}`);
      if (adapter.name === 'fetch') expectInvalidToken(res, 'ERR_TOKEN_MALFORMED');
      else expectAnswer(res, REPEATED);
      await expectHealthy(app());
    });

    it('Basic first, then a valid bearer token', async () => {
      const res = await twice(`Basic ${btoa('johndoe:x')}`, `Bearer ${token}`);
      if (adapter.name === 'fetch') expectAnswer(res, PLAIN_CHALLENGE);
      else expectAnswer(res, REPEATED);
    });

    it('a valid bearer token, then an empty line', async () => {
      const res = await twice(`Bearer ${token}`, '');
      if (adapter.name === 'fetch') expectInvalidToken(res, 'ERR_TOKEN_MALFORMED');
      else expectAnswer(res, REPEATED);
    });
  });
});
