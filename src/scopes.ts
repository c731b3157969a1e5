/**
 * OAuth 2.0 scopes: the RFC 6749 §3.3 grammar, granting what a user may hold, and checking what a
 * route needs.
 *
 * @module
 */
import { BearerError, TokenRequestError } from './errors/auth-error.js';

/** Declared scopes: name → description, as shown in the OpenAPI *Authorize* dialog. */
export type ScopeDescriptions = Readonly<Record<string, string>>;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Splits a `scope` parameter into its scope tokens (RFC 6749 §3.3). Runs of spaces separate like
 * one; duplicates are dropped; order is kept. An absent or empty value is no scopes.
 *
 * @throws {@link TokenRequestError} `ERR_INVALID_SCOPE` when a token is outside the grammar (a tab,
 * a quote, a backslash, a non-ASCII character).
 *
 * @example
 * ```ts
 * import { parseScope } from 'gatepass';
 *
 * parseScope('me  items me'); // ['me', 'items']
 * parseScope(undefined); // []
 * ```
 */
export function parseScope(value: string | undefined): string[] {
  const scopes = new Set<string>();
  for (const token of (value ?? '').split(' ')) {
    if (token === '') continue;
    if (!SCOPE_TOKEN.test(token)) throw new TokenRequestError('ERR_INVALID_SCOPE');
    scopes.add(token);
  }
  return [...scopes];
}

/**
 * Checks declared scope names against the RFC 6749 §3.3 grammar, at setup.
 *
 * @internal
 */
export function checkScopeNames(names: Iterable<string>, what: string): void {
  for (const name of names) {
    if (!SCOPE_TOKEN.test(name)) throw new TypeError(`${what}: ${JSON.stringify(name)} is not a valid scope token`);
  }
}

/**
 * Decides which requested scopes to grant: each must be declared (else `invalid_scope`), and only
 * those the user may hold are granted; the others are dropped, which RFC 6749 §3.3 allows as long as
 * the token response reports the granted `scope`.
 *
 * @param requested - the scopes the client asked for, from {@link parseScope}.
 * @param declared - the scopes the app declares.
 * @param allowed - the scopes this user may hold; `undefined` means every declared scope.
 * @throws {@link TokenRequestError} `ERR_INVALID_SCOPE` for a scope that is not declared.
 *
 * @example
 * ```ts
 * import { grantScopes } from 'gatepass';
 *
 * const declared = { me: 'Read information about the current user.', items: 'Read items.' };
 * grantScopes(['me', 'items'], declared, ['me']); // ['me']
 * grantScopes(['admin'], declared, ['me']); // throws TokenRequestError ERR_INVALID_SCOPE
 * ```
 */
export function grantScopes(
  requested: readonly string[],
  declared: ScopeDescriptions,
  allowed?: readonly string[],
): string[] {
  for (const scope of requested) {
    if (!Object.hasOwn(declared, scope)) throw new TokenRequestError('ERR_INVALID_SCOPE');
  }
  if (allowed === undefined) return [...requested];
  // Membership in a set of whole scope names: never a substring match, whatever `allowed` is.
  const mayHold = new Set<unknown>(Array.isArray(allowed) ? allowed : []);
  return requested.filter((scope) => mayHold.has(scope));
}

/**
 * Checks that a token's scopes include every scope a route needs.
 *
 * @throws {@link BearerError} `ERR_INSUFFICIENT_SCOPE` (403) whose challenge names all the needed
 * scopes: `Bearer error="insufficient_scope", scope="me items"`.
 *
 * @example
 * ```ts
 * import { requireScopes } from 'gatepass';
 *
 * requireScopes(['me', 'items'], ['me']); // passes
 * requireScopes(['me'], ['me', 'items']); // throws BearerError ERR_INSUFFICIENT_SCOPE
 * ```
 */
export function requireScopes(granted: readonly string[], required: readonly string[]): void {
  if (!required.every((scope) => granted.includes(scope))) {
    throw new BearerError('ERR_INSUFFICIENT_SCOPE', { scopes: required });
  }
}

/**
 * The scopes a verified token holds: its space-separated `scope` claim (RFC 8693 §4.2, RFC 9068 §2.2.3),
 * or else the `scp` claim some providers send instead (Entra ID a string, Okta an array).
 *
 * @internal
 */
export function scopesOfClaims(claims: { scope?: unknown; scp?: unknown }): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((scope): scope is string => typeof scope === 'string' && scope !== '');
  return [];
}
