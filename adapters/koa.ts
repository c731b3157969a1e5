/**
 * The Koa adapter (`gatepass/koa`), for Koa 3: guards that put the user on `ctx.state`, the
 * token endpoint, and an error-handling middleware for apps that forward errors.
 *
 * `ctx.state.user` and `ctx.state.auth` are typed by augmenting Koa's `DefaultState`; augment
 * `GatepassUser` (`declare module 'gatepass'`) to give the user your type.
 *
 * @module
 */
import type { Middleware, Next, ParameterizedContext } from 'koa';
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
export type { JwksEndpointOptions } from '../src/adapter-kit/jwks-endpoint.js';

declare module 'koa' {
  interface DefaultState {
    /** The authenticated user, set by `requireAuth` and `optionalAuth`. */
    user?: GatepassUser;
    /** The user with the token's claims and scopes. */
    auth?: Principal<GatepassUser>;
  }
}

type Context = ParameterizedContext;

/** Options of {@link tokenEndpoint}; `clientAddress` gets the context (default: `ctx.ip`: the socket's address, or the client's when the app sets `proxy`). */
export type EndpointOptions = KitEndpointOptions<[ctx: ParameterizedContext]>;

/** Writes an answer, unless another middleware (a request timeout, a proxy) already answered. */
function write(ctx: Context, { status, headers, body }: HttpAnswer): void {
  if (ctx.headerSent) return;
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}

/** Writes the answer (the request stops here), or throws the error on to Koa. */
function finish(ctx: Context, outcome: Answer | Rethrow): void {
  if (outcome.kind === 'rethrow') throw outcome.error;
  write(ctx, outcome.answer);
}

function admit(ctx: Context, principal: Principal<GatepassUser> | null): void {
  if (principal === null) return;
  ctx.state.user = principal.user;
  ctx.state.auth = principal;
}

function guard(kind: GuardKind, auth: Gatepass<GatepassUser>, options: AuthOptions<GatepassUser>): Middleware {
  const { name, run } = createGuard('koa', kind, auth, options);
  const proceed = (ctx: Context, next: Next, outcome: Outcome<Principal<GatepassUser> | null>): Promise<unknown> | void => {
    if (outcome.kind !== 'pass') return finish(ctx, outcome);
    admit(ctx, outcome.value);
    return next();
  };
  // Not an async function: a request admitted at once goes on to `next()` without a promise of its
  // own (Koa turns what a middleware throws into a rejection).
  return named<Middleware>(name, (ctx, next) => {
    const outcome = run(credentialSources(ctx.req, ctx.originalUrl), () => bodyUnread(ctx.req));
    return isThenable(outcome) ? Promise.resolve(outcome).then((settled) => proceed(ctx, next, settled)) : proceed(ctx, next, outcome);
  });
}

/**
 * A middleware that lets only authenticated requests through and sets `ctx.state.user` and
 * `ctx.state.auth`. Refusals (401, 400 inactive user, 403) are answered here, or thrown with
 * `forwardErrors` (Koa's own error handling reads their `status` and `headers`).
 *
 * @example
 * ```ts
 * router.get('/users/me/', requireAuth(auth, { scopes: ['me'] }), (ctx) => {
 *   ctx.body = { username: ctx.state.auth!.claims.sub };
 * });
 * ```
 */
export function requireAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions<User> = {}): Middleware {
  return guard('requireAuth', auth, options);
}

/**
 * Like {@link requireAuth}, but a request without credentials passes with `ctx.state.user`
 * undefined. Credentials that are present but bad are still refused.
 *
 * @example
 * ```ts
 * router.get('/items/', optionalAuth(auth), (ctx) => {
 *   ctx.body = ctx.state.user ? ownItems(ctx.state.user) : publicItems;
 * });
 * ```
 */
export function optionalAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions<User> = {}): Middleware {
  return guard('optionalAuth', auth, options);
}

/**
 * The OAuth2 password-grant token endpoint. Reads the raw body, or what `@koa/bodyparser` /
 * `koa-bodyparser` left when the app registered one; the size and field limits hold either way.
 * Mounted for every method, it answers any but `POST` with 405 and `Allow: POST`.
 *
 * @example
 * ```ts
 * router.all('/token', tokenEndpoint(auth));
 * router.all('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
 * ```
 */
export function tokenEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: EndpointOptions = {}): Middleware {
  const { name, run } = createTokenEndpoint('koa', auth, options, (ctx: Context) => ctx.ip || undefined);
  return named<Middleware>(name, async (ctx) => {
    if (ctx.method !== 'POST') return write(ctx, METHOD_NOT_ALLOWED);
    // A consumed stream means `@koa/bodyparser` (or another parser) ran: read what it left.
    finish(ctx, await run(formRequest(ctx.req, ctx.request as { body?: unknown; rawBody?: unknown }), () => bodyUnread(ctx.req), ctx));
  });
}

/**
 * Serves the engine's public keys as a JWKS document (RFC 7517), for other services to verify this
 * one's tokens: `application/jwk-set+json`, `Cache-Control: public, max-age=300`, an `ETag` and 304
 * for a client that holds the same keys. Methods other than GET and HEAD get 405.
 *
 * @example
 * ```ts
 * router.get('/.well-known/jwks.json', jwksEndpoint(auth));
 * ```
 */
export function jwksEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: JwksEndpointOptions = {}): Middleware {
  const endpoint = createJwksEndpoint('koa', auth, options);
  return named<Middleware>(endpoint.name, async (ctx) => {
    write(ctx, await endpoint.answer(ctx.method, ctx.get('if-none-match')));
  });
}

/**
 * Logs out: `POST` with the bearer token revokes it until it expires (204), in the engine's revocation
 * store, so every instance sharing it refuses the token from the next request on. A missing or bad
 * token gets the 401 a protected route gives; other methods 405.
 *
 * @example
 * ```ts
 * router.all('/logout', logoutEndpoint(auth));
 * ```
 */
export function logoutEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: AdapterOptions = {}): Middleware {
  const endpoint = createLogoutEndpoint('koa', auth, options);
  return named<Middleware>(endpoint.name, async (ctx) => {
    if (ctx.method !== 'POST') return write(ctx, METHOD_NOT_ALLOWED);
    finish(ctx, await endpoint.run(credentialSources(ctx.req, ctx.originalUrl), () => bodyUnread(ctx.req)));
  });
}

/**
 * A middleware that answers gatepass errors thrown further down (by guards with
 * `forwardErrors: true`) and rethrows anything else. Register it first.
 *
 * @example
 * ```ts
 * app.use(authErrorHandler);
 * router.get('/users/me/', requireAuth(auth, { forwardErrors: true }), showUser);
 * ```
 */
export async function authErrorHandler(ctx: ParameterizedContext, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    if (!(err instanceof AuthError) || ctx.headerSent) throw err;
    write(ctx, httpAnswer(err, await bodyUnread(ctx.req)));
  }
}
