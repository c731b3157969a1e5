// RFC 6750 (bearer token usage) and RFC 9110 §11 (authentication framework): reading the token and
// the challenges a protected route answers with.
import { describe, expect, it } from 'vitest';
import { BearerError, findBearerToken, parseAuthorizationHeader } from '../src/index.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huZG9lIn0.c2lnbmF0dXJl';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(BearerError);
    return (err as BearerError).code;
  }
  return undefined;
}

describe('§2.1 Authorization request header field', () => {
  it.each([
    ['Bearer', 'Bearer '],
    ['case-insensitive scheme (RFC 9110 §11.1)', 'bearer '],
    ['upper-case scheme', 'BEARER '],
    ['surrounding whitespace', ' \tBearer '],
    ['several spaces after the scheme (1*SP)', 'Bearer    '],
  ])('reads the token: %s', (_name, prefix) => {
    expect(parseAuthorizationHeader(`${prefix}${JWT}\t `)).toBe(JWT);
  });

  it('accepts every b64token character and trailing "="', () => {
    const token = 'AZaz09-._~+/==';
    expect(parseAuthorizationHeader(`Bearer ${token}`)).toBe(token);
  });

  it.each([
    ['no header', undefined],
    ['null header', null],
    ['empty header', ''],
    ['whitespace only', '   '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a scheme that only starts with Bearer', `Bearerx ${JWT}`],
    ['Bearer without a token', 'Bearer'],
    ['Bearer followed by spaces', 'Bearer    '],
  ])('finds no bearer credentials: %s', (_name, header) => {
    expect(parseAuthorizationHeader(header)).toBeUndefined();
  });

  it.each([
    ['an inner space', 'Bearer abc def'],
    ['a tab between scheme and token', `Bearer\t${JWT}`],
    ['a tab inside the token', 'Bearer abc\tdef'],
    ['a comma (two credentials folded)', `Bearer ${JWT}, Bearer ${JWT}`],
    ['"=" before the end', 'Bearer ab=c'],
    ['a quote', 'Bearer "abc"'],
    ['a control character', 'Bearer abc\u0000'],
    ['non-ASCII', 'Bearer abcé'],
    ['a colon after the scheme', `Bearer:${JWT}`],
  ])('refuses credentials outside b64token as invalid_token: %s', (_name, header) => {
    expect(codeOf(() => parseAuthorizationHeader(header))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('refuses a header sent twice as invalid_request', () => {
    expect(codeOf(() => parseAuthorizationHeader([`Bearer ${JWT}`, `Bearer ${JWT}`]))).toBe('ERR_BEARER_INVALID_REQUEST');
    expect(parseAuthorizationHeader([`Bearer ${JWT}`])).toBe(JWT);
  });
});

describe('§2.2 / §2.3 other token locations (opt-in)', () => {
  it('ignores cookies and query parameters unless asked', () => {
    expect(findBearerToken({ cookie: `access_token=${JWT}`, url: `/x?access_token=${JWT}` })).toBeUndefined();
  });

  it('reads a named cookie', () => {
    const sources = { cookie: `theme=dark; access_token=${JWT}; other=1` };
    expect(findBearerToken(sources, { cookie: 'access_token' })).toBe(JWT);
    expect(findBearerToken({ cookie: `access_token=""` }, { cookie: 'access_token' })).toBeUndefined();
  });

  it('reads the access_token query parameter', () => {
    expect(findBearerToken({ url: `/items?access_token=${JWT}&x=1` }, { query: 'access_token' })).toBe(JWT);
    expect(findBearerToken({ url: new URL(`https://api.test/?access_token=${JWT}`) }, { query: 'access_token' })).toBe(JWT);
  });

  it('refuses a token sent in more than one place (§2: "MUST NOT use more than one method")', () => {
    const both = { authorization: `Bearer ${JWT}`, url: `/?access_token=${JWT}` };
    expect(codeOf(() => findBearerToken(both, { query: 'access_token' }))).toBe('ERR_BEARER_INVALID_REQUEST');
    const twice = { url: `/?access_token=${JWT}&access_token=${JWT}` };
    expect(codeOf(() => findBearerToken(twice, { query: 'access_token' }))).toBe('ERR_BEARER_INVALID_REQUEST');
    const cookies = { cookie: `access_token=${JWT}; access_token=${JWT}` };
    expect(codeOf(() => findBearerToken(cookies, { cookie: 'access_token' }))).toBe('ERR_BEARER_INVALID_REQUEST');
  });

  it('reads the query of any request target without a URL parser, so none can throw', () => {
    for (const url of ['//[', '/\\[', '//a b/', 'http://[', '/x?access_token=abc#frag']) {
      expect(() => findBearerToken({ url }, { query: 'access_token' })).not.toThrow();
    }
    expect(findBearerToken({ url: '//[?access_token=abc#frag' }, { query: 'access_token' })).toBe('abc');
  });

  it('holds cookie and query tokens to the b64token grammar too', () => {
    expect(codeOf(() => findBearerToken({ cookie: 'access_token=a,b' }, { cookie: 'access_token' }))).toBe('ERR_TOKEN_MALFORMED');
    expect(codeOf(() => findBearerToken({ url: '/?access_token=a%20b' }, { query: 'access_token' }))).toBe('ERR_TOKEN_MALFORMED');
  });
});

describe('§3 the WWW-Authenticate response header field', () => {
  it('answers missing credentials with a bare challenge and no error code (§3.1)', () => {
    const err = new BearerError('ERR_NOT_AUTHENTICATED');
    expect(err.status).toBe(401);
    expect(err.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    expect(err.body).toEqual({ detail: 'Not authenticated' });
    expect(err.oauthError).toBeUndefined();
  });

  it.each([
    'ERR_TOKEN_MALFORMED',
    'ERR_TOKEN_TOO_LARGE',
    'ERR_TOKEN_SIGNATURE',
    'ERR_TOKEN_ALGORITHM',
    'ERR_TOKEN_UNSUPPORTED',
    'ERR_TOKEN_EXPIRED',
    'ERR_TOKEN_CLAIM',
    'ERR_TOKEN_INVALID',
    'ERR_TOKEN_REVOKED',
    'ERR_UNKNOWN_SUBJECT',
  ] as const)('answers %s with 401 invalid_token', (code) => {
    const err = new BearerError(code);
    expect(err.status).toBe(401);
    expect(err.oauthError).toBe('invalid_token');
    expect(err.headers['WWW-Authenticate']).toBe(`Bearer error="invalid_token", error_description="${err.description}"`);
    expect(err.body).toEqual({ detail: 'Could not validate credentials' });
  });

  it('names the failing claim in the description, never its value', () => {
    const err = new BearerError('ERR_TOKEN_CLAIM', { claim: 'sub' });
    expect(err.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token claim sub is invalid"',
    );
  });

  it('answers a missing scope with 403 insufficient_scope and the needed scopes', () => {
    const err = new BearerError('ERR_INSUFFICIENT_SCOPE', { scopes: ['me', 'items'] });
    expect(err.status).toBe(403);
    expect(err.headers).toEqual({ 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="me items"' });
    expect(err.body).toEqual({ detail: 'Not enough permissions' });
  });

  it('answers a malformed request with 400 invalid_request', () => {
    const err = new BearerError('ERR_BEARER_INVALID_REQUEST');
    expect(err.status).toBe(400);
    expect(err.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_request", error_description="The access token was sent in more than one place"',
    );
  });

  it('sends no challenge for an inactive user (400) or a server failure (500)', () => {
    const inactive = new BearerError('ERR_INACTIVE_USER');
    expect([inactive.status, inactive.headers, inactive.body]).toEqual([400, {}, { detail: 'Inactive user' }]);
    const failed = new BearerError('ERR_HOOK_FAILED', { cause: new Error('db down') });
    expect([failed.status, failed.headers, failed.body]).toEqual([500, {}, { detail: 'Internal Server Error' }]);
  });

  it('lets frameworks show the message of a client error, never of a server error', () => {
    expect(new BearerError('ERR_TOKEN_EXPIRED').expose).toBe(true);
    expect(new BearerError('ERR_HOOK_FAILED').expose).toBe(false);
  });

  it('prints only the name, code, status and message, and of the cause only its name and code', async () => {
    const { inspect } = await import('node:util');
    const cause = Object.assign(new Error('password=hunter2 for user bob'), { code: 'ECONNREFUSED' });
    const err = new BearerError('ERR_HOOK_FAILED', { cause });
    expect(inspect(err)).toBe('BearerError [ERR_HOOK_FAILED] 500: The server failed to process the request (cause: Error ECONNREFUSED)');
    expect(JSON.stringify(err)).toBe(
      '{"name":"BearerError","code":"ERR_HOOK_FAILED","status":500,"message":"The server failed to process the request"}',
    );
    expect(inspect(new BearerError('ERR_NOT_AUTHENTICATED'))).toBe('BearerError [ERR_NOT_AUTHENTICATED] 401: Authentication required');
  });

  it('sends Retry-After with 503', () => {
    expect(new BearerError('ERR_BUSY', { retryAfter: 7 }).headers).toEqual({ 'Retry-After': '7' });
  });
});
