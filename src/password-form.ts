/**
 * The token endpoint's request: an OAuth 2.0 password grant (RFC 6749 §4.3.2) sent as
 * `application/x-www-form-urlencoded` or `multipart/form-data`, read by ./form-reader.ts under byte,
 * field and size limits that hold while the body streams in.
 *
 * @module
 */
import { TokenRequestError } from './errors/auth-error.js';
import type { TokenErrorCode } from './errors/codes.js';
import { MAX_NAME_BYTES, createFormParser } from './form-reader.js';
import { hookFailure } from './lib/hooks.js';
import { parseScope } from './scopes.js';

/** A request body: bytes, text, a Node stream (any async iterable of bytes) or a web `ReadableStream`. */
export type BodyInput = Uint8Array | string | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

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

/** Limits on a token request body. Each is enforced while the body streams in. */
export interface FormLimits {
  /** Most bytes the body may have; more is answered 413. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Most fields (parameters) the body may have. Default 16. */
  maxFields?: number;
  /**
   * Most bytes the value of a parameter gatepass reads (`username`, `password`, `scope`, …) may have.
   * Unknown parameters are ignored (RFC 6749 §3.2) and count only toward the body and field limits.
   * Default 8 KiB.
   */
  maxFieldBytes?: number;
  /** Milliseconds the whole body may take to arrive; a slower one is answered 408. Default 10000. */
  bodyTimeout?: number;
}

/** Every {@link FormLimits} name, for refusing misspelled ones. */
export const FORM_LIMIT_NAMES = { maxBodyBytes: true, maxFields: true, maxFieldBytes: true, bodyTimeout: true } as const satisfies Record<
  keyof FormLimits,
  true
>;

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
export interface PasswordFormRequest {
  /** The raw body. Give `body` or `fields`, not both. */
  body?: BodyInput | null | undefined;
  /**
   * A body some framework middleware already decoded (`express.urlencoded()`, `@koa/bodyparser`,
   * `@fastify/formbody`): parameter → value, arrays for repeated ones.
   */
  fields?: Readonly<Record<string, unknown>> | null | undefined;
  /** The `Content-Type` header. */
  contentType: string | null | undefined;
  /** The `Content-Length` header, when sent: a body announced over the limit is refused unread. */
  contentLength?: string | number | null | undefined;
  /** The `Authorization` header, for client credentials sent with HTTP Basic. */
  authorization?: string | null | undefined;
}

const utf8 = new TextEncoder();
const DEFAULT_LIMITS: Required<FormLimits> = { maxBodyBytes: 64 * 1024, maxFields: 16, maxFieldBytes: 8 * 1024, bodyTimeout: 10_000 };
const PARAMETERS = ['grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret'] as const;
type Parameter = (typeof PARAMETERS)[number];
const isParameter = (name: string | undefined): name is Parameter => (PARAMETERS as readonly (string | undefined)[]).includes(name);
/** UTF-8 bytes of a string; a string too short to exceed `max` is not encoded. */
const bytesOver = (text: string, max: number): boolean => text.length * 3 > max && utf8.encode(text).byteLength > max;

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
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const mediaType = request.contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded' && mediaType !== 'multipart/form-data') {
    throw new TokenRequestError('ERR_CONTENT_TYPE');
  }
  const length = Number(request.contentLength ?? 0);
  if (length > limits.maxBodyBytes) throw new TokenRequestError('ERR_BODY_TOO_LARGE');

  const entries =
    request.fields !== null && request.fields !== undefined
      ? entriesOf(request.fields, limits)
      : await readForm(request.body ?? new Uint8Array(), request.contentType as string, limits);
  return validate(entries, request.authorization, options.grantType ?? 'lenient');
}

function fail(code: TokenErrorCode, parameter?: string): never {
  throw new TokenRequestError(code, parameter === undefined ? {} : { parameter });
}

/**
 * Entries of a body a framework already decoded, under the same limits: the decoded bytes of names
 * and values count against `maxBodyBytes` (a chunked body announced no length), and names are capped
 * as a urlencoded body's are. A parameter gatepass reads must be a string, or strings when repeated: an
 * extended parser turns `username[]=johndoe` into an array and `username[a]=b` into an object, which
 * are refused rather than coerced. Unknown parameters may have any shape; they only count.
 */
function entriesOf(fields: Readonly<Record<string, unknown>>, limits: Required<FormLimits>): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const size = { bytes: 0, fields: 0 };
  for (const [name, value] of Object.entries(fields)) {
    if (utf8.encode(name).byteLength > MAX_NAME_BYTES) fail('ERR_FORM_LIMIT');
    if (!isParameter(name)) {
      count(name, value, size, limits);
      continue;
    }
    const repeated = Array.isArray(value) && value.length > 1 && value.every((item) => typeof item === 'string');
    if (typeof value !== 'string' && !repeated) fail('ERR_INVALID_PARAMETER', name);
    for (const item of (repeated ? value : [value]) as string[]) {
      count(name, item, size, limits);
      if (bytesOver(item, limits.maxFieldBytes)) fail('ERR_FORM_LIMIT');
      entries.push([name, item]);
    }
  }
  return entries;
}

/** Adds a decoded value's bytes and fields to `size`, and fails once either limit is crossed. */
function count(name: string, value: unknown, size: { bytes: number; fields: number }, limits: Required<FormLimits>, depth = 0): void {
  size.bytes += utf8.encode(name).byteLength;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    // Framework parsers nest a few levels at most (qs: 5); deeper is no form.
    if (depth > 8) fail('ERR_FORM_MALFORMED');
    for (const [key, item] of Object.entries(value)) count(Array.isArray(value) ? '' : key, item, size, limits, depth + 1);
    return;
  }
  size.bytes += utf8.encode(String(value)).byteLength;
  size.fields += 1;
  if (size.bytes > limits.maxBodyBytes) fail('ERR_BODY_TOO_LARGE');
  if (size.fields > limits.maxFields) fail('ERR_FORM_LIMIT');
}

/**
 * Streams the body through the form reader; settles on the first limit crossed without reading
 * further. What the client sent (its bytes, a broken or aborted body) is a 4xx; an exception of the
 * reader's own is the server's fault, `ERR_HOOK_FAILED` (500) for `onError`.
 */
async function readForm(body: BodyInput, contentType: string, limits: Required<FormLimits>): Promise<Array<[string, string]>> {
  const entries: Array<[string, string]> = [];
  const parser = createFormParser(contentType, limits.maxFields, (name, value, nameTooLong) => {
    if (nameTooLong) fail('ERR_FORM_LIMIT');
    if (!isParameter(name)) return;
    if (bytesOver(value, limits.maxFieldBytes)) fail('ERR_FORM_LIMIT');
    entries.push([name, value]);
  }, isParameter);
  const chunks = chunksOf(body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TokenRequestError('ERR_BODY_TIMEOUT')), limits.bodyTimeout);
    (timer as { unref?: () => void }).unref?.();
  });
  deadline.catch(() => {});
  let total = 0;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await Promise.race([chunks.next(), deadline]);
      } catch (cause) {
        if (cause instanceof TokenRequestError) throw cause;
        // The body broke off or its stream failed: the request is incomplete.
        throw new TokenRequestError('ERR_FORM_MALFORMED', { cause });
      }
      if (next.done) break;
      const chunk: unknown = next.value;
      if (!(chunk instanceof Uint8Array)) throw new TypeError('gatepass: a request body must yield bytes (Uint8Array)');
      total += chunk.byteLength;
      if (total > limits.maxBodyBytes) fail('ERR_BODY_TOO_LARGE');
      parser.write(chunk);
    }
    parser.end();
    return entries;
  } catch (err) {
    if (err instanceof TokenRequestError) throw err;
    throw hookFailure(err);
  } finally {
    clearTimeout(timer);
    void chunks.stop().catch(() => {});
  }
}

interface Chunks {
  next(): Promise<IteratorResult<Uint8Array>>;
  stop(): Promise<void>;
}

/**
 * A pull interface over any body. Stopping cancels a web stream; a Node stream is left paused, so its
 * server can still answer on the connection (destroying it would reset the socket before the 4xx).
 */
function chunksOf(body: BodyInput): Chunks {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    let sent = false;
    const bytes = typeof body === 'string' ? utf8.encode(body) : body;
    return {
      next: async () => (sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: bytes })),
      stop: async () => {},
    };
  }
  if ('getReader' in body) {
    const reader = body.getReader();
    let ended = false;
    return {
      next: async () => {
        const result = await reader.read();
        ended = result.done;
        return result;
      },
      stop: async () => {
        if (!ended) await reader.cancel().catch(() => {});
        reader.releaseLock();
      },
    };
  }
  const iterator = body[Symbol.asyncIterator]();
  return { next: () => iterator.next(), stop: async () => {} };
}

function validate(
  entries: ReadonlyArray<readonly [string, string]>,
  authorization: string | null | undefined,
  mode: 'lenient' | 'strict',
): PasswordForm {
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
  if (grantType !== undefined && grantType !== 'password') fail('ERR_UNSUPPORTED_GRANT_TYPE');
  const username = normalizeUsername(get('username') ?? fail('ERR_MISSING_PARAMETER', 'username'));
  const password = get('password') ?? fail('ERR_MISSING_PARAMETER', 'password');
  const scopes = parseScope(get('scope'));

  let clientId = get('client_id');
  let clientSecret = get('client_secret');
  const basic = parseBasicCredentials(authorization);
  if (basic !== undefined) {
    if (clientSecret !== undefined) fail('ERR_REPEATED_PARAMETER', 'client_secret');
    if (clientId !== undefined && clientId !== basic.clientId) fail('ERR_REPEATED_PARAMETER', 'client_id');
    ({ clientId, clientSecret } = basic);
  }
  return { grantType: grantType === undefined ? undefined : 'password', username, password, scopes, clientId, clientSecret };
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

const BASIC = /^[ \t]*basic +([A-Za-z0-9+/]+={0,2})[ \t]*$/i;

/**
 * Client credentials from HTTP Basic (RFC 6749 §2.3.1: each part form-urlencoded, then base64).
 * Other schemes are not client authentication and are ignored.
 */
function parseBasicCredentials(header: string | null | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header || !/^[ \t]*basic(?: |$)/i.test(header)) return undefined;
  const invalid = (cause?: unknown) => new TokenRequestError('ERR_INVALID_CLIENT', { basicChallenge: true, cause });
  const encoded = BASIC.exec(header)?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) throw invalid();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
  } catch (cause) {
    throw invalid(cause);
  }
  // Swagger UI's Authorize dialog sends `Basic Og==` (":") when no client is configured: an empty
  // client id and secret are no client authentication at all. An empty id with a secret is refused.
  if (text === ':') return undefined;
  const colon = text.indexOf(':');
  if (colon < 1) throw invalid();
  try {
    const decode = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: decode(text.slice(0, colon)), clientSecret: decode(text.slice(colon + 1)) };
  } catch (cause) {
    throw invalid(cause);
  }
}
