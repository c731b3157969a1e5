/**
 * The error codes: one row per code with its whole answer, and the code unions of each endpoint.
 *
 * @module
 */

/** The OAuth 2.0 error tokens of RFC 6750 §3.1 and RFC 6749 §5.2 that gatepass sends. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable'
  | 'server_error';

/**
 * What an error's `WWW-Authenticate` holds: `scheme`, the challenges of the schemes the route accepts
 * as they are (`Bearer, APIKey`); `error`, RFC 6750's error attributes on a bearer scheme's challenge
 * (any other scheme's challenge alone on a 401, nothing otherwise); `none`, no header.
 */
export type ChallengeKind = 'scheme' | 'error' | 'none';

/** One code's row: its whole answer. */
export interface ErrorSpec {
  readonly status: number;
  readonly oauthError?: OAuthErrorCode;
  /** FastAPI's `detail` wording. */
  readonly detail: string;
  /** The RFC 6750 / RFC 6749 `error_description`: fixed text, never request data. */
  readonly description: string;
  /** On a protected route, what `WWW-Authenticate` holds. */
  readonly challenge: ChallengeKind;
}

/**
 * Every error code gatepass produces. Codes are public API: they only change in a major version.
 *
 * | code | status | OAuth `error` |
 * | --- | --- | --- |
 * | `ERR_NOT_AUTHENTICATED` | 401 | — |
 * | `ERR_BEARER_INVALID_REQUEST` | 400 | `invalid_request` |
 * | `ERR_TOKEN_*`, `ERR_UNKNOWN_SUBJECT` | 401 | `invalid_token` |
 * | `ERR_INACTIVE_USER` | 400 | — |
 * | `ERR_INSUFFICIENT_SCOPE` | 403 | `insufficient_scope` |
 * | `ERR_CONTENT_TYPE`, `ERR_FORM_*`, `ERR_REPEATED_PARAMETER`, `ERR_MISSING_PARAMETER`, `ERR_INVALID_PARAMETER`, `ERR_PASSWORD_TOO_LONG` | 400 | `invalid_request` |
 * | `ERR_BODY_TIMEOUT` | 408 | `invalid_request` |
 * | `ERR_BODY_TOO_LARGE` | 413 | `invalid_request` |
 * | `ERR_UNSUPPORTED_GRANT_TYPE` | 400 | `unsupported_grant_type` |
 * | `ERR_INVALID_SCOPE` | 400 | `invalid_scope` |
 * | `ERR_INVALID_GRANT`, `ERR_INVALID_REFRESH_TOKEN` | 400 | `invalid_grant` |
 * | `ERR_INVALID_CLIENT` | 401 | `invalid_client` |
 * | `ERR_TOO_MANY_ATTEMPTS` | 429 | `temporarily_unavailable` |
 * | `ERR_BUSY`, `ERR_KEYS_UNAVAILABLE` | 503 | `temporarily_unavailable` |
 * | `ERR_HOOK_FAILED` | 500 | `server_error` |
 * | `ERR_HOOK_TIMEOUT`, `ERR_STORE_UNAVAILABLE` | 503 | `temporarily_unavailable` |
 */
export type AuthErrorCode = ResourceErrorCode | TokenErrorCode;

/** The codes a protected route answers with: the codes of {@link BearerError}. */
export type ResourceErrorCode =
  | 'ERR_NOT_AUTHENTICATED'
  | 'ERR_BEARER_INVALID_REQUEST'
  | 'ERR_REPEATED_CREDENTIALS'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_UNSUPPORTED'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_CLAIM'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_TOKEN_KEY_UNKNOWN'
  | 'ERR_UNKNOWN_SUBJECT'
  | 'ERR_API_KEY_INVALID'
  | 'ERR_BASIC_INVALID'
  | 'ERR_BASIC_MALFORMED'
  | 'ERR_INACTIVE_USER'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_KEYS_UNAVAILABLE'
  | SharedErrorCode;

/** The codes the token endpoint answers with: the codes of {@link TokenRequestError}. */
export type TokenErrorCode =
  | 'ERR_CONTENT_TYPE'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_FORM_MALFORMED'
  | 'ERR_FORM_LIMIT'
  | 'ERR_FORM_FILE'
  | 'ERR_REPEATED_PARAMETER'
  | 'ERR_MISSING_PARAMETER'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_BODY_TIMEOUT'
  | 'ERR_UNSUPPORTED_GRANT_TYPE'
  | 'ERR_INVALID_SCOPE'
  | 'ERR_INVALID_GRANT'
  | 'ERR_INVALID_REFRESH_TOKEN'
  | 'ERR_INVALID_CLIENT'
  | 'ERR_TOO_MANY_ATTEMPTS'
  | SharedErrorCode;

/** Server-side faults, answered alike on either side. */
/**
 * Codes either endpoint answers with: server-side faults, and a password over the hasher's limit
 * (at the token endpoint, or in an HTTP Basic scheme's `verify`).
 */
export type SharedErrorCode = 'ERR_PASSWORD_TOO_LONG' | 'ERR_BUSY' | 'ERR_HOOK_FAILED' | 'ERR_HOOK_TIMEOUT' | 'ERR_STORE_UNAVAILABLE';

const invalidToken = (description: string): ErrorSpec => ({
  status: 401,
  oauthError: 'invalid_token',
  detail: 'Could not validate credentials',
  description,
  challenge: 'error',
});

const invalidRequest = (description: string, status = 400): ErrorSpec => ({
  status,
  oauthError: 'invalid_request',
  detail: description,
  description,
  challenge: 'none',
});

/**
 * Every code's row: status, OAuth error, FastAPI's detail, the description, and the challenge kind.
 *
 * @internal
 */
export const SPECS = {
  // Protected resources (RFC 6750 §3).
  ERR_NOT_AUTHENTICATED: { status: 401, detail: 'Not authenticated', description: 'Authentication required', challenge: 'scheme' },
  ERR_BEARER_INVALID_REQUEST: {
    status: 400,
    oauthError: 'invalid_request',
    detail: 'Invalid authentication request',
    description: 'The access token was sent in more than one place',
    challenge: 'error',
  },
  ERR_REPEATED_CREDENTIALS: {
    status: 400,
    oauthError: 'invalid_request',
    detail: 'Invalid authentication request',
    description: 'The credentials were sent more than once',
    challenge: 'none',
  },
  ERR_TOKEN_MALFORMED: invalidToken('The access token is malformed'),
  ERR_TOKEN_TOO_LARGE: invalidToken('The access token is too large'),
  ERR_TOKEN_SIGNATURE: invalidToken('The access token signature is invalid'),
  ERR_TOKEN_ALGORITHM: invalidToken('The access token algorithm is not allowed'),
  ERR_TOKEN_UNSUPPORTED: invalidToken('The access token uses an unsupported feature'),
  ERR_TOKEN_EXPIRED: invalidToken('The access token expired'),
  ERR_TOKEN_CLAIM: invalidToken('The access token claims are invalid'),
  ERR_TOKEN_INVALID: invalidToken('The access token is invalid'),
  ERR_TOKEN_REVOKED: invalidToken('The access token was revoked'),
  ERR_TOKEN_KEY_UNKNOWN: invalidToken('The access token names a key that is not trusted'),
  ERR_UNKNOWN_SUBJECT: invalidToken('The access token subject is unknown'),
  ERR_API_KEY_INVALID: { status: 401, detail: 'Could not validate credentials', description: 'The API key is invalid', challenge: 'scheme' },
  ERR_BASIC_INVALID: {
    status: 401,
    detail: 'Incorrect username or password',
    description: 'Incorrect username or password',
    challenge: 'scheme',
  },
  ERR_BASIC_MALFORMED: {
    status: 401,
    detail: 'Invalid authentication credentials',
    description: 'The Basic credentials are malformed',
    challenge: 'scheme',
  },
  ERR_INACTIVE_USER: { status: 400, detail: 'Inactive user', description: 'The user is inactive', challenge: 'none' },
  ERR_INSUFFICIENT_SCOPE: {
    status: 403,
    oauthError: 'insufficient_scope',
    detail: 'Not enough permissions',
    description: 'The credentials lack a required scope',
    challenge: 'error',
  },
  ERR_KEYS_UNAVAILABLE: {
    status: 503,
    oauthError: 'temporarily_unavailable',
    detail: 'Service temporarily unavailable',
    description: 'The keys to verify the access token could not be fetched',
    challenge: 'none',
  },
  // Token endpoint (RFC 6749 §5.2).
  ERR_CONTENT_TYPE: invalidRequest('Unsupported content type, expected a form'),
  ERR_BODY_TOO_LARGE: invalidRequest('Request body too large', 413),
  ERR_FORM_MALFORMED: invalidRequest('Malformed form body'),
  ERR_FORM_LIMIT: invalidRequest('Form exceeds a size limit'),
  ERR_FORM_FILE: invalidRequest('File parts are not accepted'),
  ERR_REPEATED_PARAMETER: invalidRequest('A parameter was repeated'),
  ERR_MISSING_PARAMETER: invalidRequest('A required parameter is missing'),
  ERR_INVALID_PARAMETER: invalidRequest('A parameter has an invalid value'),
  ERR_BODY_TIMEOUT: invalidRequest('Request body took too long', 408),
  ERR_PASSWORD_TOO_LONG: invalidRequest('Password too long'),
  ERR_UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    oauthError: 'unsupported_grant_type',
    detail: 'Unsupported grant type',
    description: 'The grant type is not supported by this endpoint',
    challenge: 'none',
  },
  ERR_INVALID_SCOPE: {
    status: 400,
    oauthError: 'invalid_scope',
    detail: 'Invalid scope',
    description: 'The requested scope is invalid or unknown',
    challenge: 'none',
  },
  ERR_INVALID_GRANT: {
    status: 400,
    oauthError: 'invalid_grant',
    detail: 'Incorrect username or password',
    description: 'Incorrect username or password',
    challenge: 'none',
  },
  ERR_INVALID_REFRESH_TOKEN: {
    status: 400,
    oauthError: 'invalid_grant',
    detail: 'Invalid refresh token',
    description: 'The refresh token is invalid, expired or revoked',
    challenge: 'none',
  },
  ERR_INVALID_CLIENT: {
    status: 401,
    oauthError: 'invalid_client',
    detail: 'Client authentication failed',
    description: 'Client authentication failed',
    challenge: 'none',
  },
  // RFC 6749 has no error for rate limiting. temporarily_unavailable (its §4.1.2.1) says what the
  // client should do, retry later (Retry-After says when); invalid_request would call a well-formed
  // request malformed, and invalid_grant would call the credentials wrong, which nobody checked.
  ERR_TOO_MANY_ATTEMPTS: {
    status: 429,
    oauthError: 'temporarily_unavailable',
    detail: 'Too many login attempts',
    description: 'Too many failed login attempts, retry later',
    challenge: 'none',
  },
  // Either side.
  ERR_BUSY: {
    status: 503,
    oauthError: 'temporarily_unavailable',
    detail: 'Service temporarily unavailable',
    description: 'Too many concurrent requests, retry later',
    challenge: 'none',
  },
  ERR_HOOK_FAILED: {
    status: 500,
    oauthError: 'server_error',
    detail: 'Internal Server Error',
    description: 'The server failed to process the request',
    challenge: 'none',
  },
  ERR_HOOK_TIMEOUT: {
    status: 503,
    oauthError: 'temporarily_unavailable',
    detail: 'Service temporarily unavailable',
    description: 'A check the server depends on did not answer in time',
    challenge: 'none',
  },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    oauthError: 'temporarily_unavailable',
    detail: 'Service temporarily unavailable',
    description: 'A store the server depends on is unavailable',
    challenge: 'none',
  },
} as const satisfies Record<AuthErrorCode, ErrorSpec>;
