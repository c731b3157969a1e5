/**
 * The token request's body under limits: a form (`application/x-www-form-urlencoded` or
 * `multipart/form-data`) read from bytes, text, a Web `ReadableStream` or any async iterable of bytes
 * (Node's `IncomingMessage`) while it streams in, or the fields a framework's body parser left, counted
 * under the same limits.
 *
 * @module
 */
import { TokenRequestError } from '../errors/auth-error.js';
import type { TokenErrorCode } from '../errors/codes.js';
import { hookFailure } from '../lib/hooks.js';
import { createFormParser } from './form-parser.js';
import { MAX_NAME_BYTES } from './urlencoded.js';

/**
 * A request body: bytes, text, a web `ReadableStream`, or any async iterable of bytes (Node's
 * `IncomingMessage`; text chunks, as a stream with an encoding set yields, are read as UTF-8).
 */
export type BodyInput = Uint8Array | string | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

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

/** The defaults of {@link FormLimits}. */
export const DEFAULT_FORM_LIMITS: Required<FormLimits> = { maxBodyBytes: 64 * 1024, maxFields: 16, maxFieldBytes: 8 * 1024, bodyTimeout: 10_000 };

/** A token request's body with the headers that describe it. */
export interface FormBody {
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
}

/** Whether a parameter is one the grant reads: only those values are kept, checked and returned. */
export type KnownParameter = (name: string | undefined) => name is string;

const utf8 = new TextEncoder();
/** UTF-8 bytes of a string; a string too short to exceed `max` is not encoded. */
const bytesOver = (text: string, max: number): boolean => text.length * 3 > max && utf8.encode(text).byteLength > max;

function fail(code: TokenErrorCode, parameter?: string): never {
  throw new TokenRequestError(code, parameter === undefined ? {} : { parameter });
}

/**
 * The known parameters of a form body, in order, as `[name, value]`, read under `limits`. Stops at the
 * first limit crossed without reading further.
 *
 * @throws {@link TokenRequestError} `ERR_CONTENT_TYPE`, `ERR_BODY_TOO_LARGE` (413), `ERR_BODY_TIMEOUT` (408),
 * `ERR_FORM_MALFORMED`, `ERR_FORM_LIMIT`, `ERR_FORM_FILE`, `ERR_INVALID_PARAMETER` (a parsed field of
 * the wrong shape); an `ERR_HOOK_FAILED` (500) AuthError for a failure that is not the client's.
 */
export async function readFormBody(request: FormBody, limits: Required<FormLimits>, known: KnownParameter): Promise<Array<[string, string]>> {
  const mediaType = request.contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded' && mediaType !== 'multipart/form-data') fail('ERR_CONTENT_TYPE');
  const length = Number(request.contentLength ?? 0);
  if (length > limits.maxBodyBytes) fail('ERR_BODY_TOO_LARGE');
  return request.fields !== null && request.fields !== undefined
    ? entriesOf(request.fields, limits, known)
    : readForm(request.body ?? new Uint8Array(), request.contentType as string, limits, known);
}

/**
 * Entries of a body a framework already decoded, under the same limits: the decoded bytes of names
 * and values count against `maxBodyBytes` (a chunked body announced no length), and names are capped
 * as a urlencoded body's are. A parameter gatepass reads must be a string, or strings when repeated: an
 * extended parser turns `username[]=johndoe` into an array and `username[a]=b` into an object, which
 * are refused rather than coerced. Unknown parameters may have any shape; they only count.
 */
function entriesOf(fields: Readonly<Record<string, unknown>>, limits: Required<FormLimits>, isParameter: KnownParameter): Array<[string, string]> {
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
async function readForm(
  body: BodyInput,
  contentType: string,
  limits: Required<FormLimits>,
  isParameter: KnownParameter,
): Promise<Array<[string, string]>> {
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
      const value: unknown = next.value;
      const chunk = typeof value === 'string' ? utf8.encode(value) : value;
      if (!(chunk instanceof Uint8Array)) throw new TypeError('gatepass: a request body must yield bytes (Uint8Array) or text');
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
