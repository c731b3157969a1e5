// FastAPI's security tutorial on Koa 3 with @koa/router: `npm run example:koa` (PORT, HOST, GATEPASS_SECRET).
import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint } from 'gatepass/koa';
import {
  address,
  announce,
  auth,
  docsAsset,
  docsPage,
  guards,
  itemsOf,
  openApiDocument,
  publicUser,
  stopOnSignal,
  type DocsAnswer,
} from './tutorial.js';

const app = new Koa();
const router = new Router();

// Every error is JSON: a client error keeps its status (e.g. a malformed URL), anything else is a 500;
// a request no route answered is a JSON 404.
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    ctx.status = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
    ctx.body = { detail: STATUS_CODES[ctx.status] };
    if (ctx.status === 500) ctx.app.emit('error', err, ctx);
    return;
  }
  if (ctx.status === 404 && ctx.body == null) {
    ctx.status = 404;
    ctx.body = { detail: 'Not Found' };
  }
});

// Koa logs every error by default, a client's malformed HTTP or cut-short body included, with a stack:
// log only what is the server's fault.
app.on('error', (err: Error & { status?: unknown; code?: unknown }) => {
  const clientFault =
    (typeof err.status === 'number' && err.status < 500) ||
    (typeof err.code === 'string' && /^(HPE_|ECONNRESET$|EPIPE$|ECONNABORTED$)/.test(err.code)) ||
    err.message === 'aborted';
  if (!clientFault) console.error(err);
});

// Mounted for every method: the endpoint answers any but POST with 405 and Allow: POST.
router.all('/token', tokenEndpoint(auth));
router.all('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
router.get('/.well-known/jwks.json', jwksEndpoint(auth));
router.all('/logout', logoutEndpoint(auth));

// @koa/router matches a path written without its trailing slash with or without one.
router.get('/users/me', requireAuth(auth), (ctx) => {
  ctx.body = publicUser(ctx.state.user!);
});
router.get('/users/me/items', requireAuth(auth), (ctx) => {
  ctx.body = itemsOf(ctx.state.user!);
});
router.get('/scoped/users/me', requireAuth(auth, { scopes: ['me'] }), (ctx) => {
  ctx.body = publicUser(ctx.state.user!);
});
router.get('/scoped/users/me/items', requireAuth(auth, { scopes: ['me', 'items'] }), (ctx) => {
  ctx.body = itemsOf(ctx.state.user!);
});
router.get('/status', requireAuth(auth, { active: false }), (ctx) => {
  ctx.body = { status: 'ok' };
});
// FastAPI's other schemes: an API key or a bearer token with scope items; HTTP Basic.
router.get('/machine/items', requireAuth(auth, guards.machineItems), (ctx) => {
  ctx.body = itemsOf(ctx.state.user!);
});
router.get('/basic/users/me', requireAuth(auth, guards.basicUser), (ctx) => {
  ctx.body = publicUser(ctx.state.user!);
});
router.get('/openapi.json', (ctx) => {
  ctx.body = openApiDocument();
});
// Swagger UI, from the app itself.
const send = (ctx: Context, { status, headers, body }: DocsAnswer) => {
  ctx.set(headers);
  ctx.status = status;
  ctx.body = body;
};
router.get('/docs', (ctx) => send(ctx, docsPage(ctx.path)));
router.get('/docs/:file', (ctx) => send(ctx, docsAsset(ctx.params.file!)));
router.get('/healthz', (ctx) => {
  ctx.body = { ok: true };
});

app.use(router.routes());

const server = app.listen(address.port, address.host, () => announce((server.address() as AddressInfo).port));
stopOnSignal(() => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))));
