/**
 * Finding the bearer token of a request: the `Authorization` header (RFC 6750 §2.1), and where an app
 * opts in, a cookie or the `access_token` query parameter (RFC 6750 §2.3).
 *
 * @module
 */
import { BearerError } from './errors/auth-error.js';

/** The parts of a request a bearer token can come from. Header values as the server received them. */
export interface CredentialSources {
  /** The `Authorization` header: `null`/`undefined` when absent, an array when repeated. */
  authorization?: string | readonly string[] | null | undefined;
  /** The `Cookie` header, read only when {@link TokenLocations.cookie} names a cookie. */
  cookie?: string | null | undefined;
  /** The request URL or its path and query, read only when {@link TokenLocations.query} names a parameter. */
  url?: string | URL | null | undefined;
  /**
   * Any other request header by its lower-case name, for schemes that read one (an API key in
   * `X-API-Key`): an array when it was repeated.
   */
  header?: ((name: string) => string | readonly string[] | null | undefined) | undefined;
}

/** Places besides the `Authorization` header to look for a token. Both are off by default. */
export interface TokenLocations {
  /**
   * Read the token from the cookie of this name. A cookie is sent by the browser on its own, so a
   * state-changing route that accepts one needs CSRF protection (e.g. `SameSite=Strict`).
   */
  cookie?: string;
  /**
   * Read the token from this query parameter (RFC 6750 §2.3 names it `access_token`). URLs end up in
   * logs and `Referer` headers: RFC 6750 advises against it except where nothing else works.
   */
  query?: string;
}

// RFC 9110 §5.6.2 tchar.
/** @internal RFC 9110 §5.6.2 tchar, the auth-scheme's characters. */
export const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/**
 * @internal
 * Trims RFC 9110 §5.6.3 OWS (spaces and tabs) at either end. A loop, not a regex: `/[ \t]+$/` backtracks
 * quadratically over a long run of spaces inside the value, a CPU cost any client could impose.
 */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}

/**
 * Reads the bearer token from an `Authorization` header value.
 *
 * The scheme is matched case-insensitively (RFC 9110 §11.1) and whitespace around the value is
 * tolerated. Returns `undefined` when there are no bearer credentials at all (no header, another
 * scheme, `Bearer` alone), which a protected route answers with a plain `Bearer` challenge.
 *
 * @throws {@link BearerError} `ERR_TOKEN_MALFORMED` when the credentials after `Bearer` are not a
 * single RFC 6750 `b64token` (`Bearer a b`, `Bearer\tabc`); `ERR_BEARER_INVALID_REQUEST` when the
 * header was sent more than once.
 *
 * @example
 * ```ts
 * import { parseAuthorizationHeader } from 'gatepass';
 *
 * parseAuthorizationHeader('bearer  eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl '); // 'eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl'
 * parseAuthorizationHeader('Basic dXNlcjpwYXNz'); // undefined
 * parseAuthorizationHeader('Bearer abc def'); // throws BearerError ERR_TOKEN_MALFORMED
 * ```
 */
export function parseAuthorizationHeader(header: string | readonly string[] | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  if (typeof header !== 'string') {
    if (header.length > 1) throw new BearerError('ERR_BEARER_INVALID_REQUEST');
    return parseAuthorizationHeader(header[0]);
  }
  const value = trimOws(header);
  const scheme = SCHEME.exec(value)?.[0];
  if (scheme === undefined || scheme.toLowerCase() !== 'bearer') return undefined;
  const rest = value.slice(scheme.length);
  if (rest === '') return undefined;
  // credentials = auth-scheme [ 1*SP token68 ]: only spaces may separate them.
  const token = rest.replace(/^ +/, '');
  if (token.length === rest.length || !B64TOKEN.test(token)) throw new BearerError('ERR_TOKEN_MALFORMED');
  return token;
}

/**
 * Finds the bearer token of a request in the `Authorization` header, or where `locations` opts in, a
 * cookie or a query parameter.
 *
 * @returns the token, or `undefined` when the request carries none.
 * @throws {@link BearerError} `ERR_TOKEN_MALFORMED` for credentials outside the `b64token` grammar;
 * `ERR_BEARER_INVALID_REQUEST` when the token comes in more than one place (RFC 6750 §2: "Clients
 * MUST NOT use more than one method to transmit the token in each request").
 *
 * @example
 * ```ts
 * import { findBearerToken } from 'gatepass';
 *
 * const token = findBearerToken(
 *   { authorization: request.headers.get('authorization'), cookie: request.headers.get('cookie') },
 *   { cookie: 'access_token' },
 * );
 * ```
 */
export function findBearerToken(sources: CredentialSources, locations: TokenLocations = {}): string | undefined {
  const found: string[] = [];
  const fromHeader = parseAuthorizationHeader(sources.authorization);
  if (fromHeader !== undefined) found.push(fromHeader);
  if (locations.cookie !== undefined && sources.cookie) {
    const value = readCookie(sources.cookie, locations.cookie, repeatedToken);
    if (value !== undefined) found.push(checkToken(value));
  }
  if (locations.query !== undefined && sources.url) {
    for (const value of queryOf(sources.url).getAll(locations.query)) found.push(checkToken(value));
  }
  if (found.length > 1) throw new BearerError('ERR_BEARER_INVALID_REQUEST');
  return found[0];
}

const repeatedToken = (): BearerError => new BearerError('ERR_BEARER_INVALID_REQUEST');

/**
 * The query of a request URL. Only the text after `?` is read: a path no URL parser accepts cannot throw.
 *
 * @internal
 */
export function queryOf(url: string | URL): URLSearchParams {
  if (typeof url !== 'string') return url.searchParams;
  const mark = url.indexOf('?');
  if (mark === -1) return new URLSearchParams();
  const hash = url.indexOf('#', mark);
  return new URLSearchParams(url.slice(mark + 1, hash === -1 ? undefined : hash));
}

function checkToken(value: string): string {
  if (!B64TOKEN.test(value)) throw new BearerError('ERR_TOKEN_MALFORMED');
  return value;
}

/**
 * The value of cookie `name` in a `Cookie` header (RFC 6265 §4.2.1); an empty value counts as absent,
 * a repeated cookie is `repeated()`.
 *
 * @internal
 */
export function readCookie(header: string, name: string, repeated: () => Error): string | undefined {
  let value: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    if (value !== undefined) throw repeated();
    value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return value === '' ? undefined : value;
}
