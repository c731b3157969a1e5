/**
 * The token endpoint's success response (RFC 6749 §5.1).
 *
 * @module
 */
import type { IssuedToken } from './tokens.js';

/** The token endpoint's success body (RFC 6749 §5.1). */
export interface TokenResponseBody {
  /** The access token. */
  access_token: string;
  /** Always `bearer` (RFC 6750). */
  token_type: 'bearer';
  /** Lifetime in seconds. */
  expires_in: number;
  /** Present when scopes were granted or the grant differs from the request (RFC 6749 §3.3). */
  scope?: string;
  /** With refresh tokens on: the token to send with `grant_type=refresh_token` for the next access token (RFC 6749 §5.1, §6). */
  refresh_token?: string;
}

/** The token endpoint's complete success answer. */
export interface TokenResponse {
  /** Always 200. */
  status: 200;
  /** RFC 6749 §5.1: responses with tokens are never cached. */
  headers: TokenResponseHeaders;
  /** The JSON body. */
  body: TokenResponseBody;
}

/** The headers RFC 6749 §5.1 requires on a token response. */
// A type alias, not an interface: it then fits where a `Record<string, string>` (a `HeadersInit`) is expected.
export type TokenResponseHeaders = {
  /** `no-store`: no cache may keep the token. */
  readonly 'Cache-Control': 'no-store';
  /** `no-cache`, for HTTP/1.0 caches. */
  readonly Pragma: 'no-cache';
};

/**
 * Builds the token endpoint's 200 answer (RFC 6749 §5.1): the body, and `Cache-Control: no-store`
 * with `Pragma: no-cache` so no cache keeps the token.
 *
 * @param requested - the scopes the client asked for; `scope` is included whenever the grant differs.
 * @param refreshToken - a refresh token to hand out with it (RFC 6749 §6).
 *
 * @example
 * ```ts
 * import { createTokens, tokenResponse } from 'gatepass';
 *
 * const tokens = createTokens({ secret: process.env.GATEPASS_SECRET! });
 * const answer = tokenResponse(await tokens.issue('johndoe', { scopes: ['me'] }), ['me', 'items']);
 * answer.body; // { access_token: 'eyJ…', token_type: 'bearer', expires_in: 1800, scope: 'me' }
 * ```
 */
export function tokenResponse(issued: IssuedToken, requested: readonly string[] = issued.scopes, refreshToken?: string): TokenResponse {
  const body: TokenResponseBody = { access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn };
  const differs = requested.length !== issued.scopes.length || requested.some((scope) => !issued.scopes.includes(scope));
  if (issued.scopes.length > 0 || differs) body.scope = issued.scopes.join(' ');
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body };
}
