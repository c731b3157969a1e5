/**
 * Every failure gatepass reports is an {@link AuthError} that carries its complete HTTP answer, so an
 * adapter only renders it and never picks a status code itself.
 *
 * @module
 */
import { SPECS, type AuthErrorCode, type ErrorSpec, type OAuthErrorCode, type ResourceErrorCode, type TokenErrorCode } from './codes.js';

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
  /** For `ERR_BUSY`, `ERR_HOOK_TIMEOUT` and `ERR_KEYS_UNAVAILABLE`: seconds the client should wait, sent as `Retry-After`. Default 1. */
  retryAfter?: number;
  /** For `ERR_INVALID_CLIENT`: the client tried HTTP Basic, so the answer carries a `Basic` challenge. */
  basicChallenge?: boolean;
  /**
   * On a protected route: the challenges of the schemes the route accepts (`['Bearer', 'APIKey']`,
   * `['Basic realm="api"']`), or of the one scheme whose credentials were refused. Default `['Bearer']`.
   */
  challenges?: readonly string[];
}

/**
 * Quotes a value as an RFC 9110 §5.6.4 `quoted-string`.
 *
 * @internal
 */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const BEARER: readonly string[] = Object.freeze(['Bearer']);


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
 * An error answered by a protected route, whatever its scheme; RFC 6750 §3 shapes the answer: the
 * challenge of the route's schemes in `WWW-Authenticate` and a `{"detail": …}` body. Missing
 * credentials get every scheme's challenge without `error`; a bad bearer token gets
 * `error="invalid_token"`; a missing scope gets `error="insufficient_scope"` with the needed `scope`;
 * a refused API key or Basic password gets that scheme's challenge alone.
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
