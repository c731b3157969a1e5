/**
 * Every failure gatepass reports is an {@link AuthError} that carries its complete HTTP answer, so an
 * adapter only renders it and never picks a status code itself.
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
type ChallengeKind = 'scheme' | 'error' | 'none';

interface ErrorSpec {
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
 * | `ERR_INVALID_GRANT` | 400 | `invalid_grant` |
 * | `ERR_INVALID_CLIENT` | 401 | `invalid_client` |
 * | `ERR_BUSY` | 503 | `temporarily_unavailable` |
 * | `ERR_HOOK_FAILED` | 500 | `server_error` |
 * | `ERR_HOOK_TIMEOUT` | 503 | `temporarily_unavailable` |
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
  | 'ERR_UNKNOWN_SUBJECT'
  | 'ERR_API_KEY_INVALID'
  | 'ERR_BASIC_INVALID'
  | 'ERR_BASIC_MALFORMED'
  | 'ERR_INACTIVE_USER'
  | 'ERR_INSUFFICIENT_SCOPE'
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
  | 'ERR_PASSWORD_TOO_LONG'
  | 'ERR_UNSUPPORTED_GRANT_TYPE'
  | 'ERR_INVALID_SCOPE'
  | 'ERR_INVALID_GRANT'
  | 'ERR_INVALID_CLIENT'
  | SharedErrorCode;

/** Server-side faults, answered alike on either side. */
export type SharedErrorCode = 'ERR_BUSY' | 'ERR_HOOK_FAILED' | 'ERR_HOOK_TIMEOUT';

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

const SPECS = {
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
    description: 'Only the password grant is supported',
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
  ERR_INVALID_CLIENT: {
    status: 401,
    oauthError: 'invalid_client',
    detail: 'Client authentication failed',
    description: 'Client authentication failed',
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
} as const satisfies Record<AuthErrorCode, ErrorSpec>;



/** The JSON body of an error from a protected route, as FastAPI shapes it. */
export interface ResourceErrorBody {
  /** FastAPI's message: `Not authenticated`, `Could not validate credentials`, … */
  detail: string;
}

/** The JSON body of a token-endpoint error: RFC 6749 §5.2 plus FastAPI's `detail`. */
export interface TokenErrorBody {
  /** The RFC 6749 §5.2 error code. */
  error: OAuthErrorCode;
  /** A fixed, human-readable sentence. */
  error_description: string;
  /** FastAPI's message, e.g. `Incorrect username or password`. */
  detail: string;
}

/** What `JSON.stringify` writes for an {@link AuthError}: never its `cause` or stack. */
export interface AuthErrorJSON {
  /** The class name. */
  name: string;
  /** The stable code. */
  code: AuthErrorCode;
  /** The HTTP status. */
  status: number;
  /** The fixed message. */
  message: string;
}

/** Options accepted by the error constructors. */
export interface AuthErrorOptions {
  /** The underlying error (a `jose` error, a hook's exception). Kept as `cause`, never rendered. */
  cause?: unknown;
  /** For `ERR_TOKEN_CLAIM`: the claim that failed. */
  claim?: string;
  /** For `ERR_INSUFFICIENT_SCOPE`: the scopes the route needs (sent as the challenge's `scope`). */
  scopes?: readonly string[];
  /** For `ERR_REPEATED_PARAMETER`, `ERR_MISSING_PARAMETER`, `ERR_INVALID_PARAMETER`: the parameter's name. */
  parameter?: string;
  /** For `ERR_BUSY` and `ERR_HOOK_TIMEOUT`: seconds the client should wait, sent as `Retry-After`. Default 1. */
  retryAfter?: number;
  /** For `ERR_INVALID_CLIENT`: the client tried HTTP Basic, so the answer carries a `Basic` challenge. */
  basicChallenge?: boolean;
  /**
   * On a protected route: the challenges of the schemes the route accepts (`['Bearer', 'APIKey']`,
   * `['Basic realm="api"']`), or of the one scheme whose credentials were refused. Default `['Bearer']`.
   */
  challenges?: readonly string[];
}

const BEARER: readonly string[] = Object.freeze(['Bearer']);

/**
 * Quotes a value as an RFC 9110 §5.6.4 `quoted-string`.
 *
 * @internal
 */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** Names only come from gatepass's own fixed sets (form parameters, JWT claims), never from input. */
function describe(code: AuthErrorCode, spec: ErrorSpec, options: AuthErrorOptions): string {
  if (options.parameter !== undefined) {
    if (code === 'ERR_MISSING_PARAMETER') return `Missing parameter: ${options.parameter}`;
    if (code === 'ERR_REPEATED_PARAMETER') return `Repeated parameter: ${options.parameter}`;
    if (code === 'ERR_INVALID_PARAMETER') return `Invalid parameter: ${options.parameter}`;
  }
  if (code === 'ERR_TOKEN_CLAIM' && options.claim !== undefined) return `The access token claim ${options.claim} is invalid`;
  return spec.description;
}

/**
 * The base class of every gatepass error. `code` is stable and narrows with `switch`; `status`,
 * `headers` and `body` are the HTTP answer to send. Messages are fixed texts: they never contain a
 * token, a password or a secret.
 *
 * @example
 * ```ts
 * import { AuthError } from 'gatepass';
 *
 * try {
 *   await auth.authenticate({ authorization: request.headers.get('authorization') });
 * } catch (err) {
 *   if (err instanceof AuthError) {
 *     return Response.json(err.body, { status: err.status, headers: err.headers });
 *   }
 *   throw err;
 * }
 * ```
 */
export class AuthError extends Error {
  /** `'AuthError'`, or the subclass's name. */
  override readonly name: string = 'AuthError';
  /** The stable gatepass error code. */
  readonly code: AuthErrorCode;
  /** The HTTP status to answer with. */
  readonly status: number;
  /** The OAuth 2.0 error token, where the case has one. */
  readonly oauthError: OAuthErrorCode | undefined;
  /** FastAPI's `detail` text. */
  readonly detail: string;
  /** The `error_description`: a fixed sentence. */
  readonly description: string;
  /** For `ERR_TOKEN_CLAIM`: the claim that failed. */
  readonly claim: string | undefined;
  /** For `ERR_INSUFFICIENT_SCOPE`: the scopes the route needs. */
  readonly scopes: readonly string[] | undefined;
  /** For parameter errors: the parameter's name. */
  readonly parameter: string | undefined;
  /** Seconds for `Retry-After`, on the 503 codes. */
  readonly retryAfter: number | undefined;
  /** Whether the answer carries a `Basic` challenge (`ERR_INVALID_CLIENT` after HTTP Basic). */
  readonly basicChallenge: boolean;
  /** On a protected route: the challenges of the schemes concerned (see {@link AuthErrorOptions.challenges}). */
  readonly challenges: readonly string[];
  /**
   * Whether the message may be shown to the client: true below 500. Messages are fixed sentences, so
   * Koa's and similar default error handlers can render them as they are.
   */
  readonly expose: boolean;

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    const spec: ErrorSpec = SPECS[code];
    const description = describe(code, spec, options);
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = spec.status;
    this.oauthError = spec.oauthError;
    // Where a row's detail is its description (the form errors), it names the parameter too.
    this.detail = spec.detail === spec.description ? description : spec.detail;
    this.description = description;
    this.claim = options.claim;
    this.scopes = options.scopes;
    this.parameter = options.parameter;
    this.retryAfter = spec.status === 503 ? (options.retryAfter ?? 1) : undefined;
    this.basicChallenge = options.basicChallenge ?? false;
    this.challenges = options.challenges ?? BEARER;
    this.expose = this.status < 500;
  }

  /**
   * What `console.log(err)` and `util.inspect(err)` print: the name, code, status and message, and of
   * the `cause` only its name and code. A cause can hold what must not reach a log (a hook's error
   * text, jose's decoded claims); read `err.cause` deliberately where it is needed.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const cause = this.cause as { name?: unknown; code?: unknown } | undefined;
    const causeNote =
      cause === undefined ? '' : ` (cause: ${String(cause?.name ?? typeof cause)}${typeof cause?.code === 'string' ? ` ${cause.code}` : ''})`;
    return `${this.name} [${this.code}] ${this.status}: ${this.message}${causeNote}`;
  }

  /** The error as JSON-friendly data for structured logs: no `cause`, no stack. */
  toJSON(): AuthErrorJSON {
    return { name: this.name, code: this.code, status: this.status, message: this.message };
  }

  /** The response headers: the challenge and any cache or retry directives. */
  get headers(): Readonly<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (this.retryAfter !== undefined) headers['Retry-After'] = String(this.retryAfter);
    // The rest of a refused body is not read: close the connection rather than drain it.
    if (this.status === 408 || this.status === 413) headers.Connection = 'close';
    return headers;
  }

  /** The JSON response body. */
  get body(): ResourceErrorBody | TokenErrorBody {
    return { detail: this.detail };
  }
}

/**
 * An error answered by a protected route (RFC 6750 §3): a `Bearer` challenge in `WWW-Authenticate`
 * and a `{"detail": …}` body. Missing credentials get a challenge without `error`; a bad token gets
 * `error="invalid_token"`; a missing scope gets `error="insufficient_scope"` with the needed `scope`.
 *
 * @example
 * ```ts
 * import { BearerError } from 'gatepass';
 *
 * const err = new BearerError('ERR_INSUFFICIENT_SCOPE', { scopes: ['items'] });
 * err.status; // 403
 * err.headers['WWW-Authenticate'];
 * // 'Bearer error="insufficient_scope", scope="items"'
 * err.body; // { detail: 'Not enough permissions' }
 * ```
 */
export class BearerError extends AuthError {
  /** `'BearerError'`. */
  override readonly name: string = 'BearerError';
  declare readonly code: ResourceErrorCode;

  constructor(code: ResourceErrorCode, options: AuthErrorOptions = {}) {
    super(code, options);
  }

  /**
   * The `WWW-Authenticate` value, or `undefined` where none is sent (400 inactive user, 5xx, a 403
   * on a route whose scheme has no RFC 6750 error attributes).
   */
  get challenge(): string | undefined {
    const kind = SPECS[this.code].challenge;
    if (kind === 'none') return undefined;
    if (kind === 'scheme') return this.challenges.join(', ');
    const [scheme = 'Bearer'] = this.challenges;
    if (!/^bearer(?: |$)/i.test(scheme)) return this.status === 401 ? scheme : undefined;
    const params = [`error=${quote(this.oauthError ?? 'invalid_request')}`];
    // The contract pins the insufficient_scope challenge to error and scope only.
    if (this.scopes === undefined) params.push(`error_description=${quote(this.description)}`);
    else params.push(`scope=${quote(this.scopes.join(' '))}`);
    return `${scheme} ${params.join(', ')}`;
  }

  override get headers(): Readonly<Record<string, string>> {
    const challenge = this.challenge;
    return challenge === undefined ? super.headers : { ...super.headers, 'WWW-Authenticate': challenge };
  }

  override get body(): ResourceErrorBody {
    return { detail: this.detail };
  }
}

/**
 * An error answered by the token endpoint (RFC 6749 §5.2): a JSON body with `error`,
 * `error_description` and FastAPI's `detail`, never cached.
 *
 * @example
 * ```ts
 * import { TokenRequestError } from 'gatepass';
 *
 * const err = new TokenRequestError('ERR_INVALID_GRANT');
 * err.status; // 400
 * err.body;
 * // { error: 'invalid_grant', error_description: 'Incorrect username or password',
 * //   detail: 'Incorrect username or password' }
 * err.headers; // { 'Cache-Control': 'no-store', Pragma: 'no-cache' }
 * ```
 */
export class TokenRequestError extends AuthError {
  /** `'TokenRequestError'`. */
  override readonly name: string = 'TokenRequestError';
  declare readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, options: AuthErrorOptions = {}) {
    super(code, options);
  }

  override get headers(): Readonly<Record<string, string>> {
    const headers: Record<string, string> = { ...super.headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    if (this.basicChallenge) headers['WWW-Authenticate'] = 'Basic';
    return headers;
  }

  override get body(): TokenErrorBody {
    return { error: this.oauthError ?? 'invalid_request', error_description: this.description, detail: this.detail };
  }
}

/**
 * What an app hook threw, for the errors that stand for it (`ERR_HOOK_FAILED`). It is kept here, not
 * as `cause`, because loggers and serializers walk `cause` chains, and a hook's exception is the app's
 * own data (a connection string, a query). The engine hands it to `onError`.
 *
 * @internal
 */
export const thrownBy = new WeakMap<AuthError, unknown>();

/**
 * Re-creates `err` as a {@link BearerError} or {@link TokenRequestError}, keeping its code and fields,
 * so an error raised by a shared helper renders the way its endpoint answers.
 *
 * @internal
 */
export function asEndpointError<T extends AuthError>(
  err: AuthError,
  Kind: new (code: never, options?: AuthErrorOptions) => T,
): T {
  if (err instanceof Kind) return err;
  const options: AuthErrorOptions = { cause: err.cause, basicChallenge: err.basicChallenge, challenges: err.challenges };
  if (err.claim !== undefined) options.claim = err.claim;
  if (err.scopes !== undefined) options.scopes = err.scopes;
  if (err.parameter !== undefined) options.parameter = err.parameter;
  if (err.retryAfter !== undefined) options.retryAfter = err.retryAfter;
  // Only the shared codes (a busy hasher, a failing hook) reach here from the other side.
  const converted = new Kind(err.code as never, options);
  if (thrownBy.has(err)) thrownBy.set(converted, thrownBy.get(err));
  return converted;
}
