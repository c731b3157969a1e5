/**
 * The Fastify 5 adapter: the `gatepass` plugin (request decorators), `onRequest` hooks for protected
 * routes, and the token endpoint as an encapsulated plugin that reads its own body.
 *
 * @module
 */
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AuthError, TokenRequestError, type BodyInput, type CredentialSources, type Gatepass, type GatepassUser, type Principal } from '../src/index.js';
import type { TokenResponse } from '../src/index.js';
import { endpointSettings, guardSettings, type AuthOptions, type EndpointOptions } from '../src/adapter-kit/options.js';
import { METHOD_NOT_ALLOWED, httpAnswer } from '../src/adapter-kit/http-answer.js';

export type { AdapterOptions, AuthOptions, EndpointOptions } from '../src/adapter-kit/options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user a gatepass hook authenticated; `null` when anonymous or on a route without one. */
    user: GatepassUser | null;
    /** The user with the token's claims and scopes; `null` like {@link FastifyRequest.user}. */
    auth: Principal<GatepassUser> | null;
  }
}


const sourcesOf = (request: FastifyRequest): CredentialSources => ({
  // headersDistinct keeps a repeated Authorization header, which the core refuses; `headers` keeps one.
  authorization: request.raw.headersDistinct?.authorization ?? request.headers.authorization,
  cookie: request.headers.cookie,
  url: request.url,
});

/** Writes an answer, unless another hook (a request timeout, a proxy) already answered. */
function render(reply: FastifyReply, from: AuthError | TokenResponse): FastifyReply {
  if (reply.sent) return reply;
  const answer = httpAnswer(from, !reply.request.raw.complete);
  return reply.code(answer.status).headers(answer.headers).type('application/json').send(answer.body);
}

/** Answers an AuthError, or rethrows it (`forwardErrors`) or any other error to Fastify. */
function refuse(reply: FastifyReply, err: unknown, forwardErrors: boolean): FastifyReply {
  if (forwardErrors || !(err instanceof AuthError)) throw err;
  return render(reply, err);
}

function settle(request: FastifyRequest, principal: Principal<GatepassUser> | null): void {
  request.auth = principal;
  request.user = principal === null ? null : principal.user;
}

function gatepassMethodNotAllowed(_request: FastifyRequest, reply: FastifyReply): void {
  const { status, headers, body } = METHOD_NOT_ALLOWED;
  reply.code(status).headers(headers).send(body);
}

/**
 * Declares `request.user` and `request.auth` (both `null` until a gatepass hook sets them). Register
 * it once, before the routes: it is wrapped with `fastify-plugin`, so the decorators reach every route.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import gatepass from 'gatepass/fastify';
 *
 * const app = Fastify();
 * await app.register(gatepass);
 * ```
 */
export const gatepass: FastifyPluginAsync = fp(
  async function gatepassPlugin(fastify) {
    fastify.decorateRequest('user', null);
    fastify.decorateRequest('auth', null);
  },
  { fastify: '5.x', name: 'gatepass' },
);
export default gatepass;

/**
 * An `onRequest` hook that requires an authenticated user: it sets `request.user` and `request.auth`,
 * or answers 401 / 400 (inactive user) / 403 (missing scope) before the body is read.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * app.get('/users/me/', { onRequest: requireAuth(auth, { scopes: ['me'] }) }, (request) => ({ username: request.auth!.claims.sub }));
 * ```
 */
export function requireAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions = {}): onRequestAsyncHookHandler {
  const { requirement, forwardErrors } = guardSettings('gatepass/fastify requireAuth', auth, options);
  return async function gatepassRequireAuth(request, reply) {
    try {
      settle(request, await auth.authenticate(sourcesOf(request), requirement));
    } catch (err) {
      return refuse(reply, err, forwardErrors);
    }
  };
}

/**
 * Like {@link requireAuth}, but a request without credentials passes with `request.user === null`.
 * Credentials that are present but bad are still refused.
 *
 * @example
 * ```ts
 * app.get('/greeting', { onRequest: optionalAuth(auth) }, (request) => ({ hello: request.user?.username ?? 'stranger' }));
 * ```
 */
export function optionalAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions = {}): onRequestAsyncHookHandler {
  const { requirement, forwardErrors } = guardSettings('gatepass/fastify optionalAuth', auth, options);
  return async function gatepassOptionalAuth(request, reply) {
    try {
      settle(request, await auth.authenticateOptional(sourcesOf(request), requirement));
    } catch (err) {
      return refuse(reply, err, forwardErrors);
    }
  };
}

/**
 * The token endpoint as an encapsulated plugin: register it with the route's path as `prefix`. It
 * answers `POST` and, for other methods, 405 with `Allow: POST`. Inside its own context it replaces
 * every inherited content-type parser (`@fastify/formbody`, `@fastify/multipart`, JSON…) with one
 * that hands the unread body stream to the core, so Fastify's `bodyLimit` never applies and the core's
 * limits (64 KiB → 413, field counts and sizes) and its 400 for non-form bodies hold whatever the app
 * registered. The rest of the app keeps its parsers.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * await app.register(tokenEndpoint(auth), { prefix: '/token' });
 * await app.register(tokenEndpoint(auth, { grantType: 'strict' }), { prefix: '/token/strict' });
 * ```
 */
export function tokenEndpoint<User>(auth: Gatepass<User>, options: EndpointOptions = {}): FastifyPluginAsync {
  const { endpoint, forwardErrors } = endpointSettings('gatepass/fastify tokenEndpoint', auth, options);
  async function gatepassTokenEndpoint(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    let issued: TokenResponse;
    try {
      const { 'content-type': contentType, 'content-length': contentLength, authorization } = request.headers;
      // request.body is the stream this context's parser passed on, unread.
      issued = await auth.issueToken({ body: request.body as BodyInput | undefined, contentType, contentLength, authorization }, endpoint);
    } catch (err) {
      return refuse(reply, err, forwardErrors);
    }
    return render(reply, issued);
  }
  return async function gatepassTokenRoute(fastify) {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    // Fastify refuses a media type it cannot parse (`;;;`) before any parser runs: answer it as the
    // core answers any other non-form body. Everything else goes on to the app's error handler.
    fastify.setErrorHandler(function gatepassTokenErrors(error, _request, reply) {
      if ((error as { code?: unknown }).code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error;
      return refuse(reply, new TokenRequestError('ERR_CONTENT_TYPE'), forwardErrors);
    });
    fastify.post('/', gatepassTokenEndpoint);
    const others = fastify.supportedMethods.filter((method) => method !== 'POST');
    fastify.route({ method: others, url: '/', handler: gatepassMethodNotAllowed });
  };
}

/**
 * A Fastify error handler for apps that set `forwardErrors`: answers AuthErrors as gatepass would and
 * passes every other error on to the parent (Fastify's default) error handler.
 *
 * @example
 * ```ts
 * app.setErrorHandler(authErrorHandler);
 * app.get('/users/me/', { onRequest: requireAuth(auth, { forwardErrors: true }) }, (request) => ({ username: request.auth!.claims.sub }));
 * ```
 */
export function authErrorHandler(error: unknown, _request: FastifyRequest, reply: FastifyReply): void {
  if (!(error instanceof AuthError)) throw error;
  render(reply, error);
}
