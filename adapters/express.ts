/**
 * The Express adapter (`gatepass/express`), for Express 5 and 4: guards that put the user on `req`,
 * the token endpoint, and an error handler for apps that forward errors.
 *
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthError, type Gatepass, type GatepassUser, type PasswordFormRequest, type Principal, type TokenResponse } from '../src/index.js';
import { endpointSettings, guardSettings, type AuthOptions, type EndpointOptions } from '../src/adapter-kit/options.js';
import { httpAnswer } from '../src/adapter-kit/http-answer.js';

export type { AdapterOptions, AuthOptions, EndpointOptions } from '../src/adapter-kit/options.js';

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
function send(req: Request, res: Response, from: AuthError | TokenResponse): void {
  if (res.headersSent) return;
  const { status, headers, body } = httpAnswer(from, !req.complete);
  res.status(status).set(headers).send(body);
}

function refuse(err: unknown, req: Request, res: Response, next: NextFunction, forward: boolean): void {
  if (err instanceof AuthError && !forward) send(req, res, err);
  else next(err);
}

function admit(req: Request, principal: Principal<GatepassUser> | null, next: NextFunction): void {
  if (principal !== null) {
    req.user = principal.user;
    req.auth = principal;
  }
  next();
}

const sourcesOf = (req: Request) => ({
  authorization: req.headersDistinct['authorization'],
  cookie: req.headers.cookie,
  url: req.originalUrl,
});

/** The body as a parser left it: a consumed stream means `express.urlencoded()` (or another) ran. */
function formOf(req: Request): PasswordFormRequest {
  const { 'content-type': contentType, 'content-length': contentLength, authorization } = req.headers;
  const head = { contentType, contentLength, authorization };
  if (!req.readableDidRead && !req.readableEnded) return { ...head, body: req };
  const parsed: unknown = req.body;
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) return { ...head, body: parsed };
  const isRecord = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  return { ...head, fields: isRecord ? (parsed as Record<string, unknown>) : {} };
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
export function requireAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions = {}): RequestHandler {
  const { requirement, forwardErrors: forward } = guardSettings('gatepass/express requireAuth', auth, options);
  return function requireAuth(req, res, next) {
    auth
      .authenticate(sourcesOf(req), requirement)
      .then(
        (principal) => admit(req, principal, next),
        (err: unknown) => refuse(err, req, res, next, forward),
      )
      // Nothing may escape the promise chain: an unhandled rejection ends the process.
      .catch(next);
  };
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
export function optionalAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions = {}): RequestHandler {
  const { requirement, forwardErrors: forward } = guardSettings('gatepass/express optionalAuth', auth, options);
  return function optionalAuth(req, res, next) {
    auth
      .authenticateOptional(sourcesOf(req), requirement)
      .then(
        (principal) => admit(req, principal, next),
        (err: unknown) => refuse(err, req, res, next, forward),
      )
      // Nothing may escape the promise chain: an unhandled rejection ends the process.
      .catch(next);
  };
}

/**
 * The OAuth2 password-grant token endpoint. Reads the raw body, or what `express.urlencoded()` left
 * when the app registered it; the size and field limits hold either way.
 *
 * @example
 * ```ts
 * app.post('/token', tokenEndpoint(auth));
 * app.post('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
 * ```
 */
export function tokenEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: EndpointOptions = {}): RequestHandler {
  const { endpoint, forwardErrors: forward } = endpointSettings('gatepass/express tokenEndpoint', auth, options);
  return function tokenEndpoint(req, res, next) {
    auth
      .issueToken(formOf(req), endpoint)
      .then(
        (answer) => send(req, res, answer),
        (err: unknown) => refuse(err, req, res, next, forward),
      )
      .catch(next);
  };
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
  if (err instanceof AuthError && !res.headersSent) send(req, res, err);
  else next(err);
}
