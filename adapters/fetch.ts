/**
 * The fetch adapter: wrappers for `(request: Request) => Response` handlers, on any runtime with the
 * Web APIs: Node (through `@hono/node-server`), Bun, Deno, Hono on those, Next.js route handlers. It
 * and the core use Web APIs only; the token endpoint reads the body as a Web stream.
 *
 * @module
 */
import { AuthError, type CredentialSources, type Gatepass, type Principal } from '../src/index.js';
import { createGuard, type Admitted, type GuardKind } from '../src/adapter-kit/guard.js';
import { INTERNAL_ERROR, METHOD_NOT_ALLOWED, httpAnswer, type HttpAnswer } from '../src/adapter-kit/http-answer.js';
import { handlerName, named } from '../src/adapter-kit/names.js';
import type { AdapterOptions, AuthOptions, EndpointOptions as KitEndpointOptions } from '../src/adapter-kit/options.js';
import type { Answer, Rethrow } from '../src/adapter-kit/outcome.js';
import { createTokenEndpoint } from '../src/adapter-kit/token-endpoint.js';
import { createJwksEndpoint, type JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';
import { createLogoutEndpoint } from '../src/adapter-kit/logout-endpoint.js';
import { streamStillUnread } from '../src/adapter-kit/unread-body.js';

export type { AdapterOptions, AuthOptions } from '../src/adapter-kit/options.js';
/**
 * Options of {@link tokenEndpoint}. `clientAddress` gets the request and whatever the caller passes
 * after it (Deno's `info`, Bun's `server`, Hono's context). A `Request` carries no address, so there
 * is no default: with `loginThrottle` on, `tokenEndpoint` refuses to start without `clientAddress`.
 */
export interface EndpointOptions<Context extends unknown[] = unknown[]> extends Omit<KitEndpointOptions, 'clientAddress'> {
  /**
   * The client's address for `loginThrottle`, from the request and what the caller passes after it:
   * `undefined` limits that request by its username only. Asked only when logins are throttled.
   */
  clientAddress?: ((request: Request, ...context: Context) => string | undefined) | undefined;
}
export type { JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';

/** A fetch handler that also gets the authenticated principal; `rest` is whatever the caller passes on. */
export type AuthenticatedHandler<P, Rest extends unknown[]> = (request: Request, principal: P, ...rest: Rest) => Response | Promise<Response>;
/** What {@link requireAuth} and {@link optionalAuth} return: wraps a handler into a plain fetch handler. */
export type AuthWrapper<P> = <Rest extends unknown[]>(
  handler: AuthenticatedHandler<P, Rest>,
) => (request: Request, ...rest: Rest) => Promise<Response>;

const sourcesOf = (request: Request): CredentialSources => ({
  authorization: request.headers.get('authorization'),
  cookie: request.headers.get('cookie'),
  url: request.url,
  header: (name: string) => request.headers.get(name),
});

const respond = ({ status, headers, body }: HttpAnswer): Response => new Response(body, { status, headers });

/** Whether the request announced a body: a refusal that leaves it unread closes the connection. */
const announcesBody = (request: Request): boolean =>
  (request.headers.get('content-length') ?? '0') !== '0' || request.headers.has('transfer-encoding');

/** Answers, or rethrows the error (`forwardErrors`, or not an AuthError) to the caller. */
function finish(outcome: Answer | Rethrow): Response {
  if (outcome.kind === 'rethrow') throw outcome.error;
  return respond(outcome.answer);
}

/**
 * The request's body, and whether it is still unread once the core is done. When the core stops
 * reading (a limit, a file part), the request's own stream is not cancelled but read and discarded for
 * a short grace, as the Node adapters do: closing at once reset the connection while a client was
 * still sending, and it read a network error instead of the 400.
 */
function watchedBody(request: Request): { body: ReadableStream<Uint8Array> | null; unread: () => Promise<boolean> } {
  const source = request.body;
  if (source === null) return { body: null, unread: async () => announcesBody(request) };
  let ended = false;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({ flush: () => void (ended = true) });
  // The pipe ends in an error when the core cancels its side: that is the stop, not a failure.
  const piped = source.pipeTo(writable, { preventCancel: true }).catch(() => {});
  return {
    body: readable,
    unread: async () => {
      if (ended) return false;
      // A refusal before any reading left our side untouched: stopping it ends the pipe, which lets go
      // of the request's stream.
      if (!readable.locked) await readable.cancel().catch(() => {});
      await piped;
      return streamStillUnread(source);
    },
  };
}

function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') throw new TypeError('gatepass/fetch: the wrapped handler must be a function');
}

function guard<User, Kind extends GuardKind>(kind: Kind, auth: Gatepass<User>, options: AuthOptions<User>): AuthWrapper<Admitted<User, Kind>> {
  const { name, run } = createGuard('fetch', kind, auth, options);
  return named(handlerName(kind, 'Wrapper'), <Rest extends unknown[]>(handler: AuthenticatedHandler<Admitted<User, Kind>, Rest>) => {
    checkHandler(handler);
    return named(name, async (request: Request, ...rest: Rest): Promise<Response> => {
      const outcome = await run(sourcesOf(request), () => (request.body === null ? announcesBody(request) : streamStillUnread(request.body)));
      return outcome.kind === 'pass' ? handler(request, outcome.value, ...rest) : finish(outcome);
    });
  });
}

/**
 * Wraps a handler so it runs only for an authenticated request, and receives the principal
 * (`{ user, claims, scopes }`). Others are answered 401 / 400 (inactive user) / 403 (missing scope).
 * Errors thrown by the handler are not caught.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { requireAuth } from 'gatepass/fetch';
 *
 * const me = requireAuth(auth, { scopes: ['me'] })((request, { claims }) => Response.json({ username: claims.sub }));
 * app.get('/users/me/', (c) => me(c.req.raw)); // Hono; or export default { fetch: me }
 * ```
 */
export function requireAuth<User>(auth: Gatepass<User>, options: AuthOptions<User> = {}): AuthWrapper<Principal<User>> {
  return guard('requireAuth', auth, options);
}

/**
 * Like {@link requireAuth}, but a request without credentials reaches the handler with `null`.
 * Credentials that are present but bad are still refused.
 *
 * @example
 * ```ts
 * const hello = optionalAuth(auth)((request, principal) => Response.json({ hello: principal?.user.username ?? 'stranger' }));
 * ```
 */
export function optionalAuth<User>(auth: Gatepass<User>, options: AuthOptions<User> = {}): AuthWrapper<Principal<User> | null> {
  return guard('optionalAuth', auth, options);
}

/**
 * The token endpoint as a fetch handler. `POST` bodies stream into the core under its limits; other
 * methods get 405 with `Allow: POST`. Arguments after the request are handed to `clientAddress`.
 *
 * @throws `TypeError` at once for bad options, and when the engine throttles logins and no
 * `clientAddress` is given.
 *
 * @example
 * ```ts
 * import { tokenEndpoint } from 'gatepass/fetch';
 *
 * const token = tokenEndpoint(auth, { grantType: 'strict' });
 * app.all('/token', (c) => token(c.req.raw)); // Hono
 * ```
 */
export function tokenEndpoint<User, Context extends unknown[] = unknown[]>(
  auth: Gatepass<User>,
  options: EndpointOptions<Context> = {},
): (request: Request, ...context: Context) => Promise<Response> {
  const { name, run } = createTokenEndpoint<[request: Request, ...context: Context]>('fetch', auth, options);
  return named(name, async (request: Request, ...context: Context): Promise<Response> => {
    if (request.method !== 'POST') return respond(METHOD_NOT_ALLOWED);
    const header = (field: string): string | null => request.headers.get(field);
    const { body, unread } = watchedBody(request);
    const form = { contentType: header('content-type'), contentLength: header('content-length'), authorization: header('authorization') };
    // The token answer comes once the core read the body to its end; a refusal may leave it unread.
    return finish(await run({ ...form, body }, unread, request, ...context));
  });
}

/**
 * Serves the engine's public keys as a JWKS document (RFC 7517), as a fetch handler, for other
 * services to verify this one's tokens: `application/jwk-set+json`, `Cache-Control: public,
 * max-age=300`, an `ETag` and 304 for a client that holds the same keys. Methods other than GET and
 * HEAD get 405.
 *
 * @example
 * ```ts
 * import { jwksEndpoint } from 'gatepass/fetch';
 *
 * const jwks = jwksEndpoint(auth);
 * app.get('/.well-known/jwks.json', (c) => jwks(c.req.raw)); // Hono
 * ```
 */
export function jwksEndpoint<User>(auth: Gatepass<User>, options: JwksEndpointOptions = {}): (request: Request) => Promise<Response> {
  const endpoint = createJwksEndpoint('fetch', auth, options);
  return named(endpoint.name, async (request: Request) => {
    const { status, headers, body } = await endpoint.answer(request.method, request.headers.get('if-none-match'));
    return new Response(status === 304 || request.method === 'HEAD' ? null : body, { status, headers });
  });
}

/**
 * Logs out, as a fetch handler: `POST` with the bearer token revokes it until it expires (204), in the
 * engine's revocation store, so every instance sharing it refuses the token from the next request on.
 * A missing or bad token gets the 401 a protected route gives; other methods 405.
 *
 * @example
 * ```ts
 * import { logoutEndpoint } from 'gatepass/fetch';
 *
 * const logout = logoutEndpoint(auth);
 * app.all('/logout', (c) => logout(c.req.raw)); // Hono
 * ```
 */
export function logoutEndpoint<User>(auth: Gatepass<User>, options: AdapterOptions = {}): (request: Request) => Promise<Response> {
  const endpoint = createLogoutEndpoint('fetch', auth, options);
  return named(endpoint.name, async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') return respond(METHOD_NOT_ALLOWED);
    const outcome = await endpoint.run(sourcesOf(request), () => (request.body === null ? announcesBody(request) : streamStillUnread(request.body)));
    if (outcome.kind === 'rethrow') throw outcome.error;
    const { status, headers, body } = outcome.answer;
    return new Response(status === 204 ? null : body, { status, headers });
  });
}

/**
 * Turns an error into a response: an AuthError as gatepass answers it, anything else a JSON 500
 * `{"detail":"Internal Server Error"}`. Fits Hono's `app.onError` and `@hono/node-server`'s `errorHandler`.
 *
 * @example
 * ```ts
 * import { authErrorHandler, requireAuth } from 'gatepass/fetch';
 *
 * app.onError(authErrorHandler); // Hono
 * const me = requireAuth(auth, { forwardErrors: true })((request, { claims }) => Response.json({ username: claims.sub }));
 * ```
 */
export function authErrorHandler(err: unknown): Response {
  if (err instanceof AuthError) return respond(httpAnswer(err));
  return respond(INTERNAL_ERROR);
}
