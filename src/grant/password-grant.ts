/**
 * The token endpoint's request: an OAuth 2.0 password grant (RFC 6749 §4.3.2) sent as
 * `application/x-www-form-urlencoded` or `multipart/form-data`, read by ./form-body.ts under byte,
 * field and size limits that hold while the body streams in; its parameters checked here.
 *
 * @module
 */
import { TokenRequestError } from '../errors/auth-error.js';
import type { TokenErrorCode } from '../errors/codes.js';
import { parseScope } from '../scopes.js';
import { parseBasicCredentials } from './client-credentials.js';
import { DEFAULT_FORM_LIMITS, readFormBody, type FormBody, type FormLimits } from './form-body.js';

/**
 * The password grant request, parsed. Absent and empty parameters are both `undefined`
 * (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted").
 */
export interface PasswordForm {
  /** `'password'`, or `undefined` when the lenient form did not send it. */
  grantType: 'password' | undefined;
  /** The `username` parameter, in Unicode NFC. */
  username: string;
  /** The `password` parameter. Never logged or put in an error by gatepass. */
  password: string;
  /** The `scope` parameter split into scope tokens. */
  scopes: string[];
  /** From the body, or from HTTP Basic (RFC 6749 §2.3.1). */
  clientId: string | undefined;
  /** From the body, or from HTTP Basic. */
  clientSecret: string | undefined;
}

/** A refresh token request (RFC 6749 §6), parsed. */
export interface RefreshForm {
  grantType: 'refresh_token';
  /** The `refresh_token` parameter. Never logged or put in an error by gatepass. */
  refreshToken: string;
  /** The `scope` parameter split into scope tokens, or `undefined` when absent (the grant's scopes stay). */
  scopes: string[] | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
}

/** How to read a password grant request. */
export interface PasswordFormOptions {
  /**
   * `'lenient'` (default, FastAPI's `OAuth2PasswordRequestForm`): `grant_type` may be absent, and if
   * present must be `password`. `'strict'` (`OAuth2PasswordRequestFormStrict`, RFC 6749 §4.3.2):
   * `grant_type=password` is required.
   */
  grantType?: 'lenient' | 'strict';
  /** Body limits; each one not given keeps its default. */
  limits?: FormLimits;
}

/** A token request as plain data: the body with its headers. */
export interface PasswordFormRequest extends FormBody {
  /** The `Authorization` header, for client credentials sent with HTTP Basic. */
  authorization?: string | null | undefined;
}

const PARAMETERS = ['grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret', 'refresh_token'] as const;
type Parameter = (typeof PARAMETERS)[number];
const isParameter = (name: string | undefined): name is Parameter => (PARAMETERS as readonly (string | undefined)[]).includes(name);

/**
 * Parses and validates an OAuth 2.0 password grant request (RFC 6749 §4.3.2), the Node equivalent of
 * FastAPI's `OAuth2PasswordRequestForm`.
 *
 * Unknown parameters are ignored (RFC 6749 §3.1); a known one sent twice is refused. Client
 * credentials may come in the body or as HTTP Basic (RFC 6749 §2.3.1), not both.
 *
 * The username is put in Unicode NFC; one holding a control character (NUL included) is refused.
 *
 * @throws {@link TokenRequestError} `ERR_CONTENT_TYPE`, `ERR_BODY_TOO_LARGE` (413), `ERR_BODY_TIMEOUT` (408),
 * `ERR_FORM_MALFORMED`, `ERR_FORM_LIMIT`, `ERR_FORM_FILE`, `ERR_REPEATED_PARAMETER`, `ERR_MISSING_PARAMETER`,
 * `ERR_INVALID_PARAMETER` (username),
 * `ERR_UNSUPPORTED_GRANT_TYPE`, `ERR_INVALID_SCOPE`, `ERR_INVALID_CLIENT` (malformed Basic credentials).
 * A failure that is not the client's (a body that yields no bytes, a fault in the reader) is
 * `ERR_HOOK_FAILED` (500), which the engine reports to `onError`.
 *
 * @example
 * ```ts
 * import { parsePasswordForm } from 'gatepass';
 *
 * const form = await parsePasswordForm({
 *   body: 'grant_type=password&username=johndoe&password=secret&scope=me+items',
 *   contentType: 'application/x-www-form-urlencoded',
 * });
 * form.username; // 'johndoe'
 * form.scopes; // ['me', 'items']
 * ```
 */
export async function parsePasswordForm(
  request: PasswordFormRequest,
  options: PasswordFormOptions = {},
): Promise<PasswordForm> {
  const entries = await readFormBody(request, { ...DEFAULT_FORM_LIMITS, ...options.limits }, isParameter);
  return validate(entries, request.authorization, options.grantType ?? 'lenient', false) as PasswordForm;
}

/**
 * Reads a token request that may also be a refresh (RFC 6749 §6), for an engine with refresh tokens.
 *
 * @internal
 */
export async function parseTokenRequest(request: PasswordFormRequest, options: PasswordFormOptions = {}): Promise<PasswordForm | RefreshForm> {
  const entries = await readFormBody(request, { ...DEFAULT_FORM_LIMITS, ...options.limits }, isParameter);
  return validate(entries, request.authorization, options.grantType ?? 'lenient', true);
}

function fail(code: TokenErrorCode, parameter?: string): never {
  throw new TokenRequestError(code, parameter === undefined ? {} : { parameter });
}

function validate(
  entries: ReadonlyArray<readonly [string, string]>,
  authorization: string | null | undefined,
  mode: 'lenient' | 'strict',
  refresh: boolean,
): PasswordForm | RefreshForm {
  const params = new Map<Parameter, string>();
  for (const [name, value] of entries) {
    if (!isParameter(name)) continue;
    if (params.has(name)) fail('ERR_REPEATED_PARAMETER', name);
    params.set(name, value);
  }
  // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
  const get = (name: Parameter): string | undefined => params.get(name) || undefined;

  const grantType = get('grant_type');
  if (grantType === undefined && mode === 'strict') fail('ERR_MISSING_PARAMETER', 'grant_type');
  const refreshing = refresh && grantType === 'refresh_token';
  if (grantType !== undefined && grantType !== 'password' && !refreshing) fail('ERR_UNSUPPORTED_GRANT_TYPE');
  const { clientId, clientSecret } = clientCredentials(get, authorization);
  if (refreshing) {
    const refreshToken = get('refresh_token') ?? fail('ERR_MISSING_PARAMETER', 'refresh_token');
    const scope = get('scope');
    return { grantType: 'refresh_token', refreshToken, scopes: scope === undefined ? undefined : parseScope(scope), clientId, clientSecret };
  }
  const username = normalizeUsername(get('username') ?? fail('ERR_MISSING_PARAMETER', 'username'));
  const password = get('password') ?? fail('ERR_MISSING_PARAMETER', 'password');
  const scopes = parseScope(get('scope'));
  return { grantType: grantType === undefined ? undefined : 'password', username, password, scopes, clientId, clientSecret };
}

/** Client credentials from the body or from HTTP Basic (RFC 6749 §2.3.1), not both. */
function clientCredentials(
  get: (name: Parameter) => string | undefined,
  authorization: string | null | undefined,
): { clientId: string | undefined; clientSecret: string | undefined } {
  let clientId = get('client_id');
  let clientSecret = get('client_secret');
  const basic = parseBasicCredentials(authorization);
  if (basic !== undefined) {
    if (clientSecret !== undefined) fail('ERR_REPEATED_PARAMETER', 'client_secret');
    if (clientId !== undefined && clientId !== basic.clientId) fail('ERR_REPEATED_PARAMETER', 'client_id');
    ({ clientId, clientSecret } = basic);
  }
  return { clientId, clientSecret };
}

// C0 controls (NUL included), DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The username policy: control characters are refused (a NUL can cut a name short in a store
 * written in C), and the name is put in Unicode NFC, so that a composed and a decomposed "é" name
 * the same user. Look-alike characters from other scripts are not folded: that is a policy for the
 * app's sign-up, not for log-in.
 */
function normalizeUsername(username: string): string {
  if (CONTROL.test(username)) fail('ERR_INVALID_PARAMETER', 'username');
  return username.normalize('NFC');
}
