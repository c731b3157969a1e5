/**
 * The Fastify 5 adapter: the `gatepass` plugin (request decorators), `onRequest` hooks for protected
 * routes, and the token endpoint as an encapsulated plugin that reads its own body.
 *
 * @module
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AuthError, TokenRequestError, type BodyInput, type CredentialSources, type Gatepass, type GatepassUser, type Principal } from '../src/index.js';
import { createGuard, type GuardKind } from '../src/adapter-kit/guard.js';
import { METHOD_NOT_ALLOWED, httpAnswer, type HttpAnswer } from '../src/adapter-kit/http-answer.js';
import { handlerName, named } from '../src/adapter-kit/names.js';
import { bodyUnread, NodeCredentialSources } from '../src/adapter-kit/node-request.js';
import type { AdapterOptions, AuthOptions, EndpointOptions as KitEndpointOptions } from '../src/adapter-kit/options.js';
import type { Answer, Rethrow } from '../src/adapter-kit/outcome.js';
import { createTokenEndpoint } from '../src/adapter-kit/token-endpoint.js';
import { createJwksEndpoint, type JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';
import { createLogoutEndpoint } from '../src/adapter-kit/logout-endpoint.js';

export type { AdapterOptions, AuthOptions } from '../src/adapter-kit/options.js';
/** Options of {@link tokenEndpoint}; `clientAddress` gets the request (default: `request.ip`: the socket's address, or the client's by Fastify's `trustProxy` option). */
export type EndpointOptions = KitEndpointOptions<[request: FastifyRequest]>;
export type { JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user a gatepass hook authenticated; `null` when anonymous or on a route without one. */
    user: GatepassUser | null;
    /** The user with the token's claims and scopes; `null` like {@link FastifyRequest.user}. */
    auth: Principal<GatepassUser> | null;
  }
}

const sourcesOf = (request: FastifyRequest): CredentialSources => new NodeCredentialSources(request.raw.rawHeaders, request, request.url);

/** Writes an answer, unless another hook (a request timeout, a proxy) already answered. */
function write(reply: FastifyReply, { status, headers, body }: HttpAnswer): FastifyReply {
  if (reply.sent) return reply;
  return reply.code(status).headers(headers).type('application/json').send(body);
}

/** Writes the answer, or rethrows the error (`forwardErrors`, or not an AuthError) to Fastify. */
function finish(reply: FastifyReply, outcome: Answer | Rethrow): FastifyReply {
  if (outcome.kind === 'rethrow') throw outcome.error;
  return write(reply, outcome.answer);
}

function guard(kind: GuardKind, auth: Gatepass<GatepassUser>, options: AuthOptions<GatepassUser>): onRequestAsyncHookHandler {
  const { name, run } = createGuard('fastify', kind, auth, options);
  return named<onRequestAsyncHookHandler>(name, async (request, reply) => {
    const outcome = await run(sourcesOf(request), () => bodyUnread(request.raw));
    if (outcome.kind !== 'pass') return finish(reply, outcome);
    request.auth = outcome.value;
    request.user = outcome.value === null ? null : outcome.value.user;
  });
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
export function requireAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions<User> = {}): onRequestAsyncHookHandler {
  return guard('requireAuth', auth, options);
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
export function optionalAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions<User> = {}): onRequestAsyncHookHandler {
  return guard('optionalAuth', auth, options);
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
  const endpoint = createTokenEndpoint('fastify', auth, options, (request: FastifyRequest) => request.ip);
  const handler = named(endpoint.name, async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { 'content-type': contentType, 'content-length': contentLength, authorization } = request.headers;
    // request.body is the stream this context's parser passed on, unread.
    const body = request.body as BodyInput | undefined;
    return finish(reply, await endpoint.run({ body, contentType, contentLength, authorization }, () => bodyUnread(request.raw), request));
  });
  return named(handlerName('tokenEndpoint', 'Plugin'), async (fastify: FastifyInstance) => {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    // Fastify refuses a media type it cannot parse (`;;;`) before any parser runs: answer it as the
    // core answers any other non-form body. Everything else goes on to the app's error handler.
    fastify.setErrorHandler(async function gatepassTokenErrors(error, _request, reply) {
      if ((error as { code?: unknown }).code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error;
      return finish(reply, await endpoint.refuse(new TokenRequestError('ERR_CONTENT_TYPE'), () => bodyUnread(reply.request.raw)));
    });
    fastify.post('/', handler);
    const others = fastify.supportedMethods.filter((method) => method !== 'POST');
    fastify.route({ method: others, url: '/', handler: gatepassMethodNotAllowed });
  });
}

/**
 * A route handler that serves the engine's public keys as a JWKS document (RFC 7517), for other
 * services to verify this one's tokens: `application/jwk-set+json`, `Cache-Control: public,
 * max-age=300`, an `ETag` and 304 for a client that holds the same keys. Fastify answers HEAD from
 * the GET route; other methods, if routed here, get 405.
 *
 * @example
 * ```ts
 * app.get('/.well-known/jwks.json', jwksEndpoint(auth));
 * ```
 */
export function jwksEndpoint<User>(auth: Gatepass<User>, options: JwksEndpointOptions = {}): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const endpoint = createJwksEndpoint('fastify', auth, options);
  return named(endpoint.name, async (request: FastifyRequest, reply: FastifyReply) => {
    const { status, headers, body } = await endpoint.answer(request.method, request.headers['if-none-match']);
    if (reply.sent) return reply;
    return reply.code(status).headers(headers).send(body);
  });
}

/**
 * A route handler that logs out: `POST` with the bearer token revokes it until it expires (204), in
 * the engine's revocation store, so every instance sharing it refuses the token from the next request
 * on. A missing or bad token gets the 401 a protected route gives; other methods, if routed here, 405.
 *
 * @example
 * ```ts
 * app.post('/logout', logoutEndpoint(auth));
 * ```
 */
export function logoutEndpoint<User>(auth: Gatepass<User>, options: AdapterOptions = {}): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const endpoint = createLogoutEndpoint('fastify', auth, options);
  return named(endpoint.name, async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST') return write(reply, METHOD_NOT_ALLOWED);
    return finish(reply, await endpoint.run(sourcesOf(request), () => bodyUnread(request.raw)));
  });
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
export async function authErrorHandler(error: unknown, _request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!(error instanceof AuthError)) throw error;
  write(reply, httpAnswer(error, await bodyUnread(reply.request.raw)));
}
