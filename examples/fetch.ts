// FastAPI's security tutorial as a fetch handler: Hono routes, gatepass/fetch authenticates. The domain
// (users, engine, OpenAPI document, start and stop) lives in ./tutorial.ts. The app is exported, so it
// runs anywhere with Request/Response; run as the main module it listens on Node through
// @hono/node-server. Run: npx tsx examples/fetch.ts
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { authErrorHandler, jwksEndpoint, logoutEndpoint, requireAuth, tokenEndpoint } from 'gatepass/fetch';
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

// Every wrapped handler gets the request, the principal ({ user, claims, scopes }) and the Hono context.
const activeUser = requireAuth(auth);
const withMe = requireAuth(auth, { scopes: ['me'] });
const withMeAndItems = requireAuth(auth, { scopes: ['me', 'items'] });
const anyUser = requireAuth(auth, { active: false });

const me = activeUser((_request, { user }, c: Context) => c.json(publicUser(user)));
const myItems = activeUser((_request, { user }, c: Context) => c.json(itemsOf(user)));
const scopedMe = withMe((_request, { user }, c: Context) => c.json(publicUser(user)));
const scopedItems = withMeAndItems((_request, { user }, c: Context) => c.json(itemsOf(user)));
const status = anyUser((_request, _principal, c: Context) => c.json({ status: 'ok' }));
// FastAPI's other schemes: an API key or a bearer token with scope items; HTTP Basic.
const machineItems = requireAuth(auth, guards.machineItems)((_request, { user }, c: Context) => c.json(itemsOf(user)));
const basicMe = requireAuth(auth, guards.basicUser)((_request, { user }, c: Context) => c.json(publicUser(user)));
/**
 * The client's address, for the login throttle (GATEPASS_LOGIN_LIMIT): a Request carries none, so it
 * comes from what the runtime handed Hono as `c.env`: @hono/node-server's socket, Bun's server, Deno's
 * connection info. Elsewhere it is undefined, and logins are limited per username only.
 */
function clientAddress(request: Request, c: Context): string | undefined {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        requestIP?: (request: Request) => { address: string } | null;
        remoteAddr?: { hostname?: string };
      }
    | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.requestIP?.(request)?.address ?? env?.remoteAddr?.hostname;
}

// Answers POST; other methods get 405 with Allow: POST.
const token = tokenEndpoint(auth, { clientAddress });
const strictToken = tokenEndpoint(auth, { grantType: 'strict', clientAddress });
// The public keys, for services that verify this one's tokens.
const jwks = jwksEndpoint(auth);
// POST with the bearer token: revoked (204).
const logout = logoutEndpoint(auth);

// strict: false ignores a trailing slash: `/users/me` and `/users/me/` both reach the `/users/me` route.
export const app = new Hono({ strict: false });
app.all('/token', (c) => token(c.req.raw, c));
app.all('/token/strict', (c) => strictToken(c.req.raw, c));
app.get('/.well-known/jwks.json', (c) => jwks(c.req.raw));
app.all('/logout', (c) => logout(c.req.raw));
app.get('/users/me', (c) => me(c.req.raw, c));
app.get('/users/me/items', (c) => myItems(c.req.raw, c));
app.get('/scoped/users/me', (c) => scopedMe(c.req.raw, c));
app.get('/scoped/users/me/items', (c) => scopedItems(c.req.raw, c));
app.get('/status', (c) => status(c.req.raw, c));
app.get('/machine/items', (c) => machineItems(c.req.raw, c));
app.get('/basic/users/me', (c) => basicMe(c.req.raw, c));
app.get('/openapi.json', (c) => c.json(openApiDocument()));
// Swagger UI, from the app itself.
const send = ({ status, headers, body }: DocsAnswer) => new Response(body, { status, headers });
app.get('/docs', (c) => send(docsPage(new URL(c.req.url).pathname)));
app.get('/docs/:file', (c) => send(docsAsset(c.req.param('file'))));
app.get('/healthz', (c) => c.json({ ok: true }));
app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
// Whatever a handler throws becomes a JSON answer (gatepass errors as gatepass answers them, others 500).
app.onError(authErrorHandler);

export default app;

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const server = serve({ fetch: app.fetch, port: address.port, hostname: address.host }, (info) => announce(info.port));
  stopOnSignal(() => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))));
}
