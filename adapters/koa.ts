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
import { AuthError, type Gatepass, type GatepassUser, type PasswordFormRequest, type Principal, type TokenResponse } from '../src/index.js';
import { endpointSettings, guardSettings, type AuthOptions, type EndpointOptions } from '../src/adapter-kit/options.js';
import { httpAnswer } from '../src/adapter-kit/http-answer.js';

export type { AdapterOptions, AuthOptions, EndpointOptions } from '../src/adapter-kit/options.js';

declare module 'koa' {
  interface DefaultState {
    /** The authenticated user, set by `requireAuth` and `optionalAuth`. */
    user?: GatepassUser;
    /** The user with the token's claims and scopes. */
    auth?: Principal<GatepassUser>;
  }
}


type Context = ParameterizedContext;

/** Writes an answer, unless another middleware (a request timeout, a proxy) already answered. */
function send(ctx: Context, from: AuthError | TokenResponse): void {
  if (ctx.headerSent) return;
  const { status, headers, body } = httpAnswer(from, !ctx.req.complete);
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}

const sourcesOf = (ctx: Context) => ({
  authorization: ctx.req.headersDistinct['authorization'],
  cookie: ctx.headers.cookie,
  url: ctx.originalUrl,
});

/** The body as a parser left it: a consumed stream means `@koa/bodyparser` (or another) ran. */
function formOf(ctx: Context): PasswordFormRequest {
  const { 'content-type': contentType, 'content-length': contentLength, authorization } = ctx.headers;
  const head = { contentType, contentLength, authorization };
  if (!ctx.req.readableDidRead && !ctx.req.readableEnded) return { ...head, body: ctx.req };
  // Both body parsers keep the text they parsed: re-reading it keeps every core limit exact.
  const { body, rawBody } = ctx.request as { body?: unknown; rawBody?: unknown };
  const raw = typeof rawBody === 'string' ? rawBody : body;
  if (typeof raw === 'string' || raw instanceof Uint8Array) return { ...head, body: raw };
  const isRecord = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  return { ...head, fields: isRecord ? (raw as Record<string, unknown>) : {} };
}

/** Answers an AuthError (the request stops here) or throws it, and anything else, on to Koa. */
function refuse(ctx: Context, err: unknown, forward: boolean): undefined {
  if (!(err instanceof AuthError) || forward) throw err;
  send(ctx, err);
  return undefined;
}

function admit(ctx: Context, principal: Principal<GatepassUser> | null): void {
  if (principal !== null) {
    ctx.state.user = principal.user;
    ctx.state.auth = principal;
  }
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
export function requireAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions = {}): Middleware {
  const { requirement, forwardErrors: forward } = guardSettings('gatepass/koa requireAuth', auth, options);
  return async function requireAuth(ctx, next) {
    const principal = await auth.authenticate(sourcesOf(ctx), requirement).catch((err: unknown) => refuse(ctx, err, forward));
    if (principal === undefined) return;
    admit(ctx, principal);
    await next();
  };
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
export function optionalAuth<User extends GatepassUser>(auth: Gatepass<User>, options: AuthOptions = {}): Middleware {
  const { requirement, forwardErrors: forward } = guardSettings('gatepass/koa optionalAuth', auth, options);
  return async function optionalAuth(ctx, next) {
    const principal = await auth.authenticateOptional(sourcesOf(ctx), requirement).catch((err: unknown) => refuse(ctx, err, forward));
    if (principal === undefined) return;
    admit(ctx, principal);
    await next();
  };
}

/**
 * The OAuth2 password-grant token endpoint. Reads the raw body, or what `@koa/bodyparser` /
 * `koa-bodyparser` left when the app registered one; the size and field limits hold either way.
 *
 * @example
 * ```ts
 * router.post('/token', tokenEndpoint(auth));
 * router.post('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
 * ```
 */
export function tokenEndpoint<User extends GatepassUser>(auth: Gatepass<User>, options: EndpointOptions = {}): Middleware {
  const { endpoint, forwardErrors: forward } = endpointSettings('gatepass/koa tokenEndpoint', auth, options);
  return async function tokenEndpoint(ctx) {
    const answer = await auth.issueToken(formOf(ctx), endpoint).catch((err: unknown) => refuse(ctx, err, forward));
    if (answer !== undefined) send(ctx, answer);
  };
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
    send(ctx, err);
  }
}
