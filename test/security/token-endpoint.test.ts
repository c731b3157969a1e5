// Hostile token requests against POST /token on every adapter, over raw sockets: bodies over the limit
// (refused while they stream, before the end arrives), slow and truncated bodies, broken multipart, field
// floods, repeats, files, non-UTF-8, wrong content types, huge scopes and passwords, and username tricks.
// Each answer is the exact RFC 6749 §5.2 error; each case ends with the server still answering.
//
// Username policy (src/grant/password-grant.ts): a username holding a C0/C1 control character or DEL (NUL included) is
// refused with `invalid_request` (`Invalid parameter: username`); every other username is put in Unicode
// NFC and handed to verifyCredentials as it is: no trimming, no case folding, no NFKC (fullwidth and
// other look-alike letters stay distinct users), zero-width and bidi characters kept.
import { EventEmitter, once } from 'node:events';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/password.js';
import { adapters, serve } from '../support/adapters.js';
import { INVALID_GRANT, invalidRequest, tokenError } from '../support/answers.js';
import { CHEAP, PASSWORD, WRONG_PASSWORD, costlyHash, securityEngine } from '../support/engine.js';
import { FORM } from '../support/http.js';
import {
  expectHealthy,
  expectTokenError,
  multipartBody,
  nodeRefusal,
  openConnection,
  postForm,
  rawRequest,
  requestBytes,
  send,
  type RawConnection,
  type RawResponse,
} from '../support/raw-http.js';

const TOO_LARGE = invalidRequest('Request body too large');
const MALFORMED = invalidRequest('Malformed form body');
const LIMIT = invalidRequest('Form exceeds a size limit');
const FILE = invalidRequest('File parts are not accepted');
const CONTENT_TYPE = invalidRequest('Unsupported content type, expected a form');
const PASSWORD_TOO_LONG = invalidRequest('Password too long');
const TIMEOUT = invalidRequest('Request body took too long');
const INVALID_SCOPE = tokenError('invalid_scope', 'The requested scope is invalid or unknown', 'Invalid scope');
const INVALID_USERNAME = invalidRequest('Invalid parameter: username');
const repeated = (name: string) => invalidRequest(`Repeated parameter: ${name}`);
const missing = (name: string) => invalidRequest(`Missing parameter: ${name}`);

const login = { username: 'johndoe', password: PASSWORD };

function expectToken(res: RawResponse, sub: string, scope?: string): void {
  expect(res.status, res.raw).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.json<Record<string, unknown>>();
  expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800, ...(scope === undefined ? {} : { scope }) });
  expect(decodeJwt(body.access_token as string).sub).toBe(sub);
}

/** The head of a POST /token, without its body. */
const head = (headers: Record<string, string>): Buffer =>
  requestBytes({ method: 'POST', path: '/token', headers: { 'Content-Type': FORM, ...headers }, close: false });
/** One HTTP/1.1 chunk. */
const chunk = (data: string | Uint8Array): Buffer => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
};

/** The server closes the connection after refusing a body it did not read (it does not wait for the rest). */
async function expectClosedByServer(connection: RawConnection): Promise<void> {
  const outcome = await Promise.race([
    connection.closed.then(() => 'closed'),
    new Promise((resolve) => setTimeout(resolve, 5000, 'still open after 5 s')),
  ]);
  connection.destroy();
  expect(outcome).toBe('closed');
}

const slowHash = costlyHash(600);
const arrivals = new EventEmitter();
const tuned = (bodyTimeout: number, slow: string) => () =>
  securityEngine({
    passwords: createPasswordHasher({ ...CHEAP, maxConcurrent: 1, maxQueue: 0 }),
    formLimits: { bodyTimeout, maxBodyBytes: 4 * 1024 * 1024, maxFieldBytes: 2 * 1024 * 1024 },
    extraUsers: { slow },
    beforeVerify: (form) => {
      arrivals.emit(form.username);
    },
  }).then((e) => e.auth);

describe.each(adapters)('$name', (adapter) => {
  const app = serve(adapter, () => securityEngine().then((e) => e.auth));

  it('issues a token for a plain login (baseline)', async () => {
    expectToken(await postForm(app(), login), 'johndoe');
  });

  describe('bodies over the limit (default maxBodyBytes: 64 KiB)', () => {
    it('a 10 MiB Content-Length is refused with 413 before a byte of the body is sent', async () => {
      const connection = openConnection(app());
      await connection.write(head({ 'Content-Length': String(10 * 1024 * 1024) }));
      const res = await connection.response;
      expectTokenError(res, 413, TOO_LARGE, { Connection: 'close' });
      await expectClosedByServer(connection);
      await expectHealthy(app());
    });

    it('a chunked body is refused with 413 as soon as it passes 64 KiB, before it ends', async () => {
      const connection = openConnection(app());
      await connection.write(head({ 'Transfer-Encoding': 'chunked' }));
      await connection.write(chunk(`username=johndoe&password=${PASSWORD}&pad=`));
      // 72 KiB in 8 KiB chunks, and never the terminating chunk.
      for (let sent = 0; sent < 72 * 1024; sent += 8192) await connection.write(chunk('x'.repeat(8192)));
      const res = await connection.response;
      expectTokenError(res, 413, TOO_LARGE, { Connection: 'close' });
      await expectClosedByServer(connection);
      await expectHealthy(app());
    });

    it('a 1 MB password with its Content-Length is refused with 413, unread', async () => {
      const connection = openConnection(app());
      const body = `username=johndoe&password=${'p'.repeat(1024 * 1024)}`;
      await connection.write(head({ 'Content-Length': String(body.length) }));
      expectTokenError(await connection.response, 413, TOO_LARGE, { Connection: 'close' });
      await expectClosedByServer(connection);
      await expectHealthy(app());
    });

    it('a 1 MB password streamed without a length is refused with 413 while it streams', async () => {
      const connection = openConnection(app());
      await connection.write(head({ 'Transfer-Encoding': 'chunked' }));
      await connection.write(chunk('username=johndoe&password='));
      for (let sent = 0; sent < 128 * 1024; sent += 16384) await connection.write(chunk('p'.repeat(16384)));
      expectTokenError(await connection.response, 413, TOO_LARGE, { Connection: 'close' });
      await expectClosedByServer(connection);
      await expectHealthy(app());
    });
  });

  describe('passwords (maxPasswordBytes: 1024)', () => {
    it('1025 bytes: 400 "Password too long"', async () => {
      expectTokenError(await postForm(app(), { username: 'johndoe', password: 'p'.repeat(1025) }), 400, PASSWORD_TOO_LONG);
    });

    it('1024 bytes: checked, and wrong', async () => {
      expectTokenError(await postForm(app(), { username: 'johndoe', password: 'p'.repeat(1024) }), 400, INVALID_GRANT);
    });

    it('513 two-byte characters (1026 UTF-8 bytes): too long', async () => {
      expectTokenError(await postForm(app(), { username: 'johndoe', password: 'é'.repeat(513) }), 400, PASSWORD_TOO_LONG);
    });
  });

  describe('broken bodies', () => {
    it('truncated: Content-Length 100, 20 bytes, then the client half-closes: Node answers 400', async () => {
      const res = await rawRequest(
        app(),
        Buffer.concat([head({ 'Content-Length': '100' }), Buffer.from('username=johndoe&pas')]),
        { halfClose: true },
      );
      expect(res.raw).toBe(nodeRefusal(adapter.name, 400));
      await expectHealthy(app());
    });

    it('truncated chunked: a chunk cut short, then the client half-closes: Node answers 400', async () => {
      const res = await rawRequest(
        app(),
        Buffer.concat([head({ 'Transfer-Encoding': 'chunked' }), Buffer.from('40\r\nusername=johndoe&pas')]),
        { halfClose: true },
      );
      expect(res.raw).toBe(nodeRefusal(adapter.name, 400));
      await expectHealthy(app());
    });

    it('Content-Length and Transfer-Encoding together (request smuggling): Node answers 400', async () => {
      const body = `username=johndoe&password=${PASSWORD}`;
      const res = await rawRequest(
        app(),
        Buffer.concat([head({ 'Content-Length': String(body.length), 'Transfer-Encoding': 'chunked' }), chunk(body), Buffer.from('0\r\n\r\n')]),
      );
      expect(res.raw).toBe(nodeRefusal(adapter.name, 400));
      await expectHealthy(app());
    });

    it('unterminated multipart (no closing boundary): 400 malformed', async () => {
      const body = `--XyZ\r\nContent-Disposition: form-data; name="username"\r\n\r\njohndoe\r\n--XyZ\r\nContent-Disposition: form-data; name="password"\r\n\r\n${PASSWORD}`;
      expectTokenError(await postForm(app(), body, { 'Content-Type': 'multipart/form-data; boundary=XyZ' }), 400, MALFORMED);
      await expectHealthy(app());
    });

    it('multipart without a boundary: 400 malformed', async () => {
      expectTokenError(await postForm(app(), 'username=johndoe', { 'Content-Type': 'multipart/form-data' }), 400, MALFORMED);
    });

    it('a multipart body that is not multipart: 400 malformed', async () => {
      expectTokenError(await postForm(app(), `username=johndoe&password=${PASSWORD}`, { 'Content-Type': 'multipart/form-data; boundary=XyZ' }), 400, MALFORMED);
    });
  });

  describe('fields (default maxFields: 16, maxFieldBytes: 8 KiB)', () => {
    it('5000 fields: 400 size limit', async () => {
      const body = `username=johndoe&password=${PASSWORD}&${Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join('&')}`;
      expectTokenError(await postForm(app(), body), 400, LIMIT);
      await expectHealthy(app());
    });

    it('17 fields: 400 size limit; 16 are fine', async () => {
      const extra = (count: number) => Array.from({ length: count }, (_, i) => `&x${i}=1`).join('');
      expectTokenError(await postForm(app(), `username=johndoe&password=${PASSWORD}${extra(15)}`), 400, LIMIT);
      expectToken(await postForm(app(), `username=johndoe&password=${PASSWORD}${extra(14)}`), 'johndoe');
    });

    it('200 multipart parts: 400 size limit', async () => {
      const [contentType, body] = await multipartBody((form) => {
        form.append('username', 'johndoe');
        form.append('password', PASSWORD);
        for (let i = 0; i < 200; i++) form.append(`f${i}`, '1');
      });
      expectTokenError(await send(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': contentType }, body }), 400, LIMIT);
    });

    it('a 101-byte field name: 400 size limit', async () => {
      expectTokenError(await postForm(app(), `username=johndoe&password=${PASSWORD}&${'n'.repeat(101)}=1`), 400, LIMIT);
    });

    it('an 8 KiB + 1 username: 400 size limit', async () => {
      expectTokenError(await postForm(app(), { username: 'u'.repeat(8193), password: PASSWORD }), 400, LIMIT);
    });

    // RFC 6749 §3.2: unrecognized parameters are ignored; only the parameters gatepass reads have the 8 KiB limit.
    it('a 61 KiB body whose 60 KiB are an unknown parameter: a token', async () => {
      const body = `username=johndoe&password=${PASSWORD}&comment=${'c'.repeat(60 * 1024)}`;
      expect(body.length).toBeGreaterThan(60 * 1024);
      expect(body.length).toBeLessThan(64 * 1024);
      expectToken(await postForm(app(), body), 'johndoe');
    });

    it('a 60 KiB unknown multipart part: a token too', async () => {
      const [contentType, body] = await multipartBody((form) => {
        form.append('username', 'johndoe');
        form.append('password', PASSWORD);
        form.append('comment', 'c'.repeat(60 * 1024));
      });
      expectToken(await send(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': contentType }, body }), 'johndoe');
    });

    it.each(['username', 'password', 'grant_type', 'scope', 'client_id'])('%s twice: 400 repeated', async (name) => {
      const body = `username=johndoe&password=${PASSWORD}&grant_type=password&scope=me&client_id=c&${name}=again`;
      expectTokenError(await postForm(app(), body), 400, repeated(name));
    });

    it('username twice, the first one empty: 400 repeated', async () => {
      expectTokenError(await postForm(app(), `username=&username=johndoe&password=${PASSWORD}`), 400, repeated('username'));
    });

    it('password twice in multipart: 400 repeated', async () => {
      const [contentType, body] = await multipartBody((form) => {
        form.append('username', 'johndoe');
        form.append('password', WRONG_PASSWORD);
        form.append('password', PASSWORD);
      });
      expectTokenError(await send(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': contentType }, body }), 400, repeated('password'));
    });

    it('a file part, even one named password: 400 file', async () => {
      const [contentType, body] = await multipartBody((form) => {
        form.append('username', 'johndoe');
        form.append('password', new Blob([PASSWORD], { type: 'text/plain' }), 'password.txt');
      });
      expectTokenError(await send(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': contentType }, body }), 400, FILE);
      await expectHealthy(app());
    });
  });

  describe('content types', () => {
    it.each([
      ['none', undefined],
      ['text/plain', 'text/plain'],
      ['application/json', 'application/json'],
      ['a form type with a suffix', 'application/x-www-form-urlencoded-evil'],
      ['multipart/mixed', 'multipart/mixed; boundary=XyZ'],
      ['image/png', 'image/png'],
      // Not media types at all: Fastify's own content-type parsing sees these before the adapter does.
      ['empty', ''],
      ['a lone semicolon', ';'],
      ['a bare word', 'form'],
    ])('%s: 400 content type', async (_name, contentType) => {
      const headers: Record<string, string> = contentType === undefined ? {} : { 'Content-Type': contentType };
      const res = await send(app(), { method: 'POST', path: '/token', headers, body: `username=johndoe&password=${PASSWORD}` });
      expectTokenError(res, 400, CONTENT_TYPE);
    });

    it('a JSON body as JSON: 400 content type', async () => {
      const body = JSON.stringify({ username: 'johndoe', password: PASSWORD, grant_type: 'password' });
      expectTokenError(await send(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': 'application/json' }, body }), 400, CONTENT_TYPE);
    });

    it('a JSON body labelled as a form: one unknown field, so the username is missing', async () => {
      const body = JSON.stringify({ username: 'johndoe', password: PASSWORD });
      expectTokenError(await postForm(app(), body), 400, missing('username'));
    });

    it('the form type in capitals with a charset: accepted', async () => {
      expectToken(await postForm(app(), new URLSearchParams(login).toString(), { 'Content-Type': 'APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8' }), 'johndoe');
    });
  });

  describe('non-UTF-8 bytes', () => {
    // The form reader decodes form text as UTF-8 with U+FFFD for invalid sequences: such a name or password is only
    // ever a (non-matching) string, never an error.
    it('a percent-encoded invalid UTF-8 username: no such user', async () => {
      expectTokenError(await postForm(app(), `username=%FF%FE&password=${PASSWORD}`), 400, INVALID_GRANT);
    });

    it('raw 0xFF bytes in the username: no such user', async () => {
      const body = Buffer.concat([Buffer.from('username=john'), Buffer.from([0xff, 0xc0]), Buffer.from(`doe&password=${PASSWORD}`)]);
      expectTokenError(await send(app(), { method: 'POST', path: '/token', headers: { 'Content-Type': FORM }, body }), 400, INVALID_GRANT);
    });

    it('an invalid UTF-8 password: wrong password', async () => {
      expectTokenError(await postForm(app(), 'username=johndoe&password=%C3%28%A0%A1'), 400, INVALID_GRANT);
    });

    it('broken percent-encoding: 400 malformed', async () => {
      expectTokenError(await postForm(app(), `username=%ZZjohndoe%&password=${PASSWORD}`), 400, MALFORMED);
    });
  });

  describe('scope', () => {
    it('"me" 2700 times (8100 bytes): deduplicated, granted once', async () => {
      expectToken(await postForm(app(), { ...login, scope: Array(2700).fill('me').join(' ') }), 'johndoe', 'me');
    });

    it('a 9000-byte scope: 400 size limit', async () => {
      expectTokenError(await postForm(app(), { ...login, scope: 'me '.repeat(3000) }), 400, LIMIT);
    });

    it('1000 undeclared scopes: 400 invalid_scope', async () => {
      expectTokenError(await postForm(app(), { ...login, scope: Array.from({ length: 1000 }, (_, i) => `s${i}`).join(' ') }), 400, INVALID_SCOPE);
    });

    it.each([
      ['a tab', 'me\titems'],
      ['a quote', 'me "items"'],
      ['a backslash', 'me\\items'],
      ['a non-ASCII letter', 'mé'],
      ['a NUL', 'me\u0000'],
    ])('a scope holding %s: 400 invalid_scope', async (_name, scope) => {
      expectTokenError(await postForm(app(), { ...login, scope }), 400, INVALID_SCOPE);
    });
  });

  describe('usernames (policy: no control characters, NFC, nothing else folded)', () => {
    it.each([
      ['a NUL at the end', 'johndoe\u0000'],
      ['a NUL at the start', '\u0000johndoe'],
      ['an ESC', 'john\u001bdoe'],
      ['a DEL', 'johndoe\u007f'],
      ['a C1 control (NEL)', 'johndoe\u0085'],
      ['a newline (log injection)', 'johndoe\n2026-01-01 INFO admin logged in'],
    ])('%s: 400 invalid parameter', async (_name, username) => {
      expectTokenError(await postForm(app(), { username, password: PASSWORD }), 400, INVALID_USERNAME);
    });

    it('a decomposed "josé" (e + U+0301) logs in as the composed one, and the token names the NFC form', async () => {
      expectToken(await postForm(app(), { username: 'jose\u0301', password: PASSWORD }), 'jos\u00e9');
      expectToken(await postForm(app(), { username: 'jos\u00e9', password: PASSWORD }), 'jos\u00e9');
    });

    it.each([
      ['fullwidth letters (not NFKC-folded)', '\uff4a\uff4f\uff48\uff4e\uff44\uff4f\uff45'],
      ['a zero-width space', 'john\u200bdoe'],
      ['a right-to-left override', '\u202ejohndoe'],
      ['a trailing space (not trimmed)', 'johndoe '],
      ['capitals (not case-folded)', 'JohnDoe'],
      ['a Cyrillic о', 'johnd\u043ee'],
    ])('%s: another user, so no such user', async (_name, username) => {
      expectTokenError(await postForm(app(), { username, password: PASSWORD }), 400, INVALID_GRANT);
    });
  });

  it('malformed Basic client credentials: 401 invalid_client with a Basic challenge', async () => {
    const res = await postForm(app(), login, { Authorization: 'Basic !!!' });
    expectTokenError(res, 401, tokenError('invalid_client', 'Client authentication failed'), { 'WWW-Authenticate': 'Basic' });
  });

  describe('slow bodies (bodyTimeout 400 ms, 4 MiB bodies)', () => {
    const slowApp = serve(adapter, tuned(400, slowHash));

    it('a body that stalls is answered 408 at the deadline, and the connection closed', async () => {
      const connection = openConnection(slowApp());
      await connection.write(head({ 'Content-Length': '100' }));
      await connection.write('username=johndoe&pass');
      expectTokenError(await connection.response, 408, TIMEOUT, { Connection: 'close' });
      await expectClosedByServer(connection);
      await expectHealthy(slowApp());
    });

    it('a body that trickles in, a byte every 50 ms, is answered 408 too: the deadline is for the whole body', async () => {
      const connection = openConnection(slowApp());
      const body = `username=johndoe&password=${PASSWORD}`;
      await connection.write(head({ 'Content-Length': String(body.length) }));
      let answered = false;
      void connection.response.then(() => (answered = true));
      for (const byte of body) {
        if (answered) break;
        await connection.write(byte);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(answered).toBe(true);
      expectTokenError(await connection.response, 408, TIMEOUT, { Connection: 'close' });
      await expectClosedByServer(connection);
      await expectHealthy(slowApp());
    });
  });

  // Its own app: a 1 MB body must arrive within the body deadline, which 400 ms did not always allow
  // on a loaded machine, and the costly hash must outlast both requests that follow it.
  describe('a password that never reaches the hasher (4 MiB bodies, one hashing slot, no queue)', () => {
    const slowApp = serve(adapter, tuned(10_000, costlyHash(4000)));

    it('a 1 MB password is refused before hashing: "Password too long" while the only slot is busy', async () => {
      // A login against a costly stored hash takes the one hashing slot.
      const arrived = once(arrivals, 'slow');
      const slow = postForm(slowApp(), { username: 'slow', password: WRONG_PASSWORD });
      await arrived;
      await new Promise((resolve) => setImmediate(resolve));
      const huge = await postForm(slowApp(), { username: 'johndoe', password: 'p'.repeat(1024 * 1024) });
      expectTokenError(huge, 400, PASSWORD_TOO_LONG);
      // The slot was busy all along: a password that does go to the hasher is turned away.
      const busy = await postForm(slowApp(), login);
      expectTokenError(busy, 503, tokenError('temporarily_unavailable', 'Too many concurrent requests, retry later', 'Service temporarily unavailable'), {
        'Retry-After': '1',
      });
      expectTokenError(await slow, 400, INVALID_GRANT);
    });
  });
});
