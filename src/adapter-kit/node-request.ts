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
  readonly headersDistinct: { readonly [name: string]: string[] | undefined };
  readonly readableDidRead: boolean;
}

/**
 * Where a guard looks for credentials. `headersDistinct` keeps a repeated Authorization header, which
 * the core refuses; `headers` keeps one. `url` is the URL as the client sent it (before any router
 * rewrote it), for a token in the query.
 */
export function credentialSources(req: NodeRequest, url: string): CredentialSources {
  return { authorization: req.headersDistinct.authorization, cookie: req.headers.cookie, url, header: (name) => req.headersDistinct[name] };
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
