// What gatepass answers, exactly: the core's bodies and challenges as every adapter must render them, for
// the fetch-driven suites (./http.ts) and the raw-socket ones (./raw-http.ts) alike.

export const NOT_AUTHENTICATED = { detail: 'Not authenticated' };
export const BAD_CREDENTIALS = { detail: 'Could not validate credentials' };

/** Every `error_description` of an `invalid_token` answer, by gatepass code. */
export const DESCRIPTION = {
  ERR_TOKEN_MALFORMED: 'The access token is malformed',
  ERR_TOKEN_TOO_LARGE: 'The access token is too large',
  ERR_TOKEN_SIGNATURE: 'The access token signature is invalid',
  ERR_TOKEN_ALGORITHM: 'The access token algorithm is not allowed',
  ERR_TOKEN_UNSUPPORTED: 'The access token uses an unsupported feature',
  ERR_TOKEN_EXPIRED: 'The access token expired',
  ERR_TOKEN_INVALID: 'The access token is invalid',
  ERR_TOKEN_REVOKED: 'The access token was revoked',
  ERR_TOKEN_KEY_UNKNOWN: 'The access token names a key that is not trusted',
  ERR_UNKNOWN_SUBJECT: 'The access token subject is unknown',
} as const;
export type InvalidTokenCode = keyof typeof DESCRIPTION | `claim:${string}`;

/** The `WWW-Authenticate` value of a 401 `invalid_token` answer for a gatepass code (`claim:sub` for a claim). */
export function invalidTokenChallenge(code: InvalidTokenCode): string {
  const description = code.startsWith('claim:')
    ? `The access token claim ${code.slice('claim:'.length)} is invalid`
    : DESCRIPTION[code as keyof typeof DESCRIPTION];
  return `Bearer error="invalid_token", error_description="${description}"`;
}

/** A token-endpoint error body (RFC 6749 §5.2 plus FastAPI's `detail`). */
export const tokenError = (error: string, description: string, detail: string = description) => ({
  error,
  error_description: description,
  detail,
});
export const invalidRequest = (description: string) => tokenError('invalid_request', description);

export const INVALID_GRANT = tokenError('invalid_grant', 'Incorrect username or password');
export const TOO_LARGE = invalidRequest('Request body too large');
export const NOT_A_FORM = invalidRequest('Unsupported content type, expected a form');
