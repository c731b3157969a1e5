// One reader of Node's `IncomingMessage`, for the adapters on Node's HTTP server (Express, Koa): the
// credential sources, the token request, and whether the body is still unread. Typed by what it
// reads, so the kit imports no `node:http`.
import type { CredentialSources, PasswordFormRequest } from '../index.js';
import { stillUnread, type IncomingBody } from './unread-body.js';

/** The parts of an `IncomingMessage` the reader uses. */
export interface NodeRequest extends AsyncIterable<Uint8Array>, IncomingBody {
  readonly headers: {
    readonly 'content-type'?: string | undefined;
    readonly 'content-length'?: string | undefined;
    readonly authorization?: string | undefined;
    readonly cookie?: string | undefined;
  };
  readonly rawHeaders: readonly string[];
  readonly readableDidRead: boolean;
}

/**
 * Every value of header `name` (in lower case) in the order they came, as `headersDistinct[name]`
 * holds them, read from `rawHeaders`: Node builds `headersDistinct` for every header and keeps it on
 * the request, and a property added to Express's request (whose prototype Express swaps) costs a new
 * hidden class, some microseconds, on every request.
 */
export function headerValues(rawHeaders: readonly string[], name: string): string[] | undefined {
  let values: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const field = rawHeaders[i]!;
    if (field.length === name.length && field.toLowerCase() === name) (values ??= []).push(rawHeaders[i + 1]!);
  }
  return values;
}

/**
 * Where a guard looks for credentials, on a request of Node's HTTP server. Every Authorization line is
 * kept, so that a repeated one is refused by the core; the cookie header is read only when a scheme
 * looks for a cookie. A class, so that its getter is the prototype's: an object literal with a getter
 * would make a new hidden class for every request.
 */
export class NodeCredentialSources implements CredentialSources {
  readonly authorization: string[] | undefined;
  constructor(
    private readonly rawHeaders: readonly string[],
    private readonly headersOf: { readonly headers: { readonly cookie?: string | undefined } },
    /** The URL as the client sent it (before any router rewrote it), for a token in the query. */
    readonly url: string,
  ) {
    this.authorization = headerValues(rawHeaders, 'authorization');
  }

  get cookie(): string | undefined {
    return this.headersOf.headers.cookie;
  }

  readonly header = (name: string): string[] | undefined => headerValues(this.rawHeaders, name);
}

/** The credential sources of a request that Express or Koa hands on; `url` as the client sent it. */
export function credentialSources(req: NodeRequest, url: string): CredentialSources {
  return new NodeCredentialSources(req.rawHeaders, req, url);
}

/**
 * Whether the body is still unread once it had a short grace to finish arriving: an answer then
 * closes the connection.
 */
export function bodyUnread(req: IncomingBody): boolean | Promise<boolean> {
  return req.complete ? false : stillUnread(req);
}

/**
 * The token request: the raw stream while nobody read it, else what a body parser left. A parser that
 * keeps the text it parsed (`rawBody`, as Koa's do) is re-read, which keeps every core limit exact; text
 * or bytes are read as the body; parsed fields are counted under the same limits.
 */
export function formRequest(req: NodeRequest, parsed: { readonly body?: unknown; readonly rawBody?: unknown }): PasswordFormRequest {
  const { 'content-type': contentType, 'content-length': contentLength, authorization } = req.headers;
  const head = { contentType, contentLength, authorization };
  if (!req.readableDidRead && !req.readableEnded) return { ...head, body: req };
  const left = typeof parsed.rawBody === 'string' ? parsed.rawBody : parsed.body;
  if (typeof left === 'string' || left instanceof Uint8Array) return { ...head, body: left };
  const isRecord = typeof left === 'object' && left !== null && !Array.isArray(left);
  return { ...head, fields: isRecord ? (left as Record<string, unknown>) : {} };
}
