/**
 * The fetch adapter: wrappers for `(request: Request) => Response` handlers, on any runtime with the
 * Web APIs and Node's `stream` module, which the core's form parser (busboy) uses: Node (through
 * `@hono/node-server`), Bun, Deno, Hono on those, Next.js route handlers. The adapter itself uses Web
 * APIs only.
 *
 * @module
 */
import { AuthError, type CredentialSources, type Gatepass, type Principal } from '../src/index.js';
import type { TokenResponse } from '../src/index.js';
import { endpointSettings, guardSettings, type AuthOptions, type EndpointOptions } from '../src/adapter-kit/options.js';
import { INTERNAL_ERROR, METHOD_NOT_ALLOWED, httpAnswer, type HttpAnswer } from '../src/adapter-kit/http-answer.js';

export type { AdapterOptions, AuthOptions, EndpointOptions } from '../src/adapter-kit/options.js';


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
});

const respond = ({ status, headers, body }: HttpAnswer): Response => new Response(body, { status, headers });

/** Whether the request announced a body: a refusal that leaves it unread closes the connection. */
const announcesBody = (request: Request): boolean =>
  (request.headers.get('content-length') ?? '0') !== '0' || request.headers.has('transfer-encoding');

/** Answers an AuthError, or rethrows it (`forwardErrors`) or any other error to the caller. */
function refuse(err: unknown, forwardErrors: boolean, bodyUnread: boolean): Response {
  if (forwardErrors || !(err instanceof AuthError)) throw err;
  return respond(httpAnswer(err, bodyUnread));
}

/** The request's body, and whether the core read it to its end. */
function watchedBody(request: Request): { body: ReadableStream<Uint8Array> | null; ended: () => boolean } {
  if (request.body === null) return { body: null, ended: () => true };
  let ended = false;
  const body = request.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: () => void (ended = true) }));
  return { body, ended: () => ended };
}

function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') throw new TypeError('gatepass/fetch: the wrapped handler must be a function');
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
export function requireAuth<User>(auth: Gatepass<User>, options: AuthOptions = {}): AuthWrapper<Principal<User>> {
  const { requirement, forwardErrors } = guardSettings('gatepass/fetch requireAuth', auth, options);
  return function withRequiredAuth(handler) {
    checkHandler(handler);
    return async function gatepassRequireAuth(request, ...rest) {
      let principal: Principal<User>;
      try {
        principal = await auth.authenticate(sourcesOf(request), requirement);
      } catch (err) {
        return refuse(err, forwardErrors, announcesBody(request));
      }
      return handler(request, principal, ...rest);
    };
  };
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
export function optionalAuth<User>(auth: Gatepass<User>, options: AuthOptions = {}): AuthWrapper<Principal<User> | null> {
  const { requirement, forwardErrors } = guardSettings('gatepass/fetch optionalAuth', auth, options);
  return function withOptionalAuth(handler) {
    checkHandler(handler);
    return async function gatepassOptionalAuth(request, ...rest) {
      let principal: Principal<User> | null;
      try {
        principal = await auth.authenticateOptional(sourcesOf(request), requirement);
      } catch (err) {
        return refuse(err, forwardErrors, announcesBody(request));
      }
      return handler(request, principal, ...rest);
    };
  };
}

/**
 * The token endpoint as a fetch handler. `POST` bodies stream into the core under its limits; other
 * methods get 405 with `Allow: POST`.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { tokenEndpoint } from 'gatepass/fetch';
 *
 * const token = tokenEndpoint(auth, { grantType: 'strict' });
 * app.all('/token', (c) => token(c.req.raw)); // Hono
 * ```
 */
export function tokenEndpoint<User>(auth: Gatepass<User>, options: EndpointOptions = {}): (request: Request) => Promise<Response> {
  const { endpoint, forwardErrors } = endpointSettings('gatepass/fetch tokenEndpoint', auth, options);
  return async function gatepassTokenEndpoint(request) {
    if (request.method !== 'POST') return respond(METHOD_NOT_ALLOWED);
    const header = (name: string): string | null => request.headers.get(name);
    const { body, ended } = watchedBody(request);
    let issued: TokenResponse;
    try {
      const form = { contentType: header('content-type'), contentLength: header('content-length'), authorization: header('authorization') };
      issued = await auth.issueToken({ ...form, body }, endpoint);
    } catch (err) {
      return refuse(err, forwardErrors, !ended() && announcesBody(request));
    }
    return respond(httpAnswer(issued));
  };
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
