/**
 * The Express adapter (`gatepass/express`), for Express 5 and 4: guards that put the user on `req`,
 * the token endpoint, and an error handler for apps that forward errors.
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, type Gatepass, type GatepassUser, type Principal } from '../src/index.js';
import { createGuard, type GuardKind } from '../src/adapter-kit/guard.js';
import { METHOD_NOT_ALLOWED, httpAnswer, type HttpAnswer } from '../src/adapter-kit/http-answer.js';
import { named } from '../src/adapter-kit/names.js';
import { bodyUnread, credentialSources, formRequest } from '../src/adapter-kit/node-request.js';
import type { AdapterOptions, AuthOptions, EndpointOptions as KitEndpointOptions } from '../src/adapter-kit/options.js';
import type { Answer, Outcome, Rethrow } from '../src/adapter-kit/outcome.js';
import { isThenable } from '../src/lib/maybe-promise.js';
import { createTokenEndpoint } from '../src/adapter-kit/token-endpoint.js';
import { createJwksEndpoint, type JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';
import { createLogoutEndpoint } from '../src/adapter-kit/logout-endpoint.js';

export type { AdapterOptions, AuthOptions } from '../src/adapter-kit/options.js';
/** Options of {@link tokenEndpoint}; `clientAddress` gets the request (default: `req.ip`: the socket's address, or the client's by Express's `trust proxy` setting). */
export type EndpointOptions = KitEndpointOptions<[req: Request]>;
export type { JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The authenticated user, set by `requireAuth` and `optionalAuth`. Augment `GatepassUser` to type it. */
      user?: GatepassUser;
      /** The user with the token's claims and scopes. */
      auth?: Principal<GatepassUser>;
    }
  }
}

/**
 * Writes an answer, unless another middleware (a request timeout, a proxy) already answered: then
 * there is nothing left to say, and writing would throw `ERR_HTTP_HEADERS_SENT`.
 */
function write(res: Response, { status, headers, body }: HttpAnswer): void {
  if (res.headersSent) return;
  res.status(status).set(headers).send(body);
}

function finish(res: Response, next: NextFunction, outcome: Answer | Rethrow): void {
  if (outcome.kind === 'answer') write(res, outcome.answer);
  else next(outcome.error);
}

function admit(req: Request, principal: Principal<GatepassUser> | null): void {
  if (principal === null) return;
  req.user = principal.user;
  req.auth = principal;
}

function guard(kind: GuardKind, auth: Gatepass<GatepassUser>, options: AuthOptions<GatepassUser>): RequestHandler {
  const { name, run } = createGuard('express', kind, auth, options);
  const proceed = (req: Request, res: Response, next: NextFunction, outcome: Outcome<Principal<GatepassUser> | null>): void => {
    if (outcome.kind !== 'pass') return finish(res, next, outcome);
    admit(req, outcome.value);
    next();
  };
  return named<RequestHandler>(name, (req, res, next) => {
    const outcome = run(credentialSources(req, req.originalUrl), () => bodyUnread(req));
    if (!isThenable(outcome)) return proceed(req, res, next, outcome);
    // Nothing may escape the promise chain: an unhandled rejection ends the process.
    Promise.resolve(outcome)
      .then((settled) => proceed(req, res, next, settled))
      .catch(next);
  });
}

/**
 * A middleware that lets only authenticated requests through and sets `req.user` and `req.auth`.
 * Refusals (401, 400 inactive user, 403) are answered here, or passed to `next(err)` with `forwardErrors`.
 *
 * @example
 * ```ts
 * app.get('/users/me/', requireAuth(auth, { scopes: ['me'] }), (req, res) => res.json({ username: req.auth!.claims.sub }));
 * ```
 */
export function requireAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions<User> = {}): RequestHandler {
  return guard('requireAuth', auth, options);
}

/**
 * Like {@link requireAuth}, but a request without credentials passes with `req.user` undefined.
 * Credentials that are present but bad are still refused.
 *
 * @example
 * ```ts
 * app.get('/items/', optionalAuth(auth), (req, res) => res.json(req.user ? ownItems(req.user) : publicItems));
 * ```
 */
export function optionalAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions<User> = {}): RequestHandler {
  return guard('optionalAuth', auth, options);
}

/**
 * The OAuth2 password-grant token endpoint. Reads the raw body, or what `express.urlencoded()` left
 * when the app registered it; the size and field limits hold either way. Mounted for every method, it
 * answers any but `POST` with 405 and `Allow: POST`.
 *
 * @example
 * ```ts
 * app.all('/token', tokenEndpoint(auth));
 * app.all('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
 * ```
 */
export function tokenEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: EndpointOptions = {}): RequestHandler {
  const { name, run } = createTokenEndpoint('express', auth, options, (req: Request) => req.ip);
  return named<RequestHandler>(name, (req, res, next) => {
    if (req.method !== 'POST') return write(res, METHOD_NOT_ALLOWED);
    // A consumed stream means `express.urlencoded()` (or another parser) ran: read what it left.
    run(formRequest(req, { body: req.body as unknown }), () => bodyUnread(req), req)
      .then((outcome) => finish(res, next, outcome))
      .catch(next);
  });
}

/**
 * Serves the engine's public keys as a JWKS document (RFC 7517), for other services to verify this
 * one's tokens: `application/jwk-set+json`, `Cache-Control: public, max-age=300`, an `ETag` and 304
 * for a client that holds the same keys. Methods other than GET and HEAD get 405.
 *
 * @example
 * ```ts
 * app.get('/.well-known/jwks.json', jwksEndpoint(auth));
 * ```
 */
export function jwksEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: JwksEndpointOptions = {}): RequestHandler {
  const endpoint = createJwksEndpoint('express', auth, options);
  return named<RequestHandler>(endpoint.name, (req, res, next) => {
    endpoint
      .answer(req.method, req.headers['if-none-match'])
      .then((answer) => write(res, answer))
      .catch(next);
  });
}

/**
 * Logs out: `POST` with the bearer token revokes it until it expires (204), in the engine's revocation
 * store, so every instance sharing it refuses the token from the next request on. A missing or bad
 * token gets the 401 a protected route gives; other methods 405.
 *
 * @example
 * ```ts
 * app.all('/logout', logoutEndpoint(auth));
 * ```
 */
export function logoutEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: AdapterOptions = {}): RequestHandler {
  const endpoint = createLogoutEndpoint('express', auth, options);
  return named<RequestHandler>(endpoint.name, (req, res, next) => {
    if (req.method !== 'POST') return write(res, METHOD_NOT_ALLOWED);
    endpoint
      .run(credentialSources(req, req.originalUrl), () => bodyUnread(req))
      .then((outcome) => finish(res, next, outcome))
      .catch(next);
  });
}

/**
 * An error middleware that answers gatepass errors forwarded with `forwardErrors: true` and passes
 * anything else on. Register it after the routes.
 *
 * @example
 * ```ts
 * app.get('/users/me/', requireAuth(auth, { forwardErrors: true }), showUser);
 * app.use(authErrorHandler);
 * ```
 */
export function authErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!(err instanceof AuthError) || res.headersSent) return next(err);
  Promise.resolve(bodyUnread(req))
    .then((unread) => write(res, httpAnswer(err, unread)))
    .catch(next);
}
