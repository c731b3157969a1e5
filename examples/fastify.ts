// FastAPI's security tutorial on Fastify 5. The domain (users, engine, OpenAPI document, start and
// stop) lives in ./tutorial.ts; this file only wires it into Fastify. Run: npx tsx examples/fastify.ts
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply } from 'fastify';
import { gatepass, requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint } from 'gatepass/fastify';
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

// `/users/me` answers like `/users/me/`.
const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });

// request.user and request.auth.
await app.register(gatepass);

// Each token endpoint is its own plugin at its path, reading its own body (any content type the app
// parses elsewhere); other methods get 405.
await app.register(tokenEndpoint(auth), { prefix: '/token' });
await app.register(tokenEndpoint(auth, { grantType: 'strict' }), { prefix: '/token/strict' });
app.get('/.well-known/jwks.json', jwksEndpoint(auth));
app.all('/logout', logoutEndpoint(auth));

// Authentication runs in onRequest, before any body is read. The hooks guarantee request.user.
const activeUser = requireAuth(auth);
app.get('/users/me/', { onRequest: activeUser }, (request) => publicUser(request.user!));
app.get('/users/me/items/', { onRequest: activeUser }, (request) => itemsOf(request.user!));
app.get('/scoped/users/me/', { onRequest: requireAuth(auth, { scopes: ['me'] }) }, (request) => publicUser(request.user!));
app.get('/scoped/users/me/items/', { onRequest: requireAuth(auth, { scopes: ['me', 'items'] }) }, (request) => itemsOf(request.user!));
// Any valid token, inactive users too.
app.get('/status/', { onRequest: requireAuth(auth, { active: false }) }, () => ({ status: 'ok' }));

// FastAPI's other schemes: an API key or a bearer token with scope items; HTTP Basic.
app.get('/machine/items/', { onRequest: requireAuth(auth, guards.machineItems) }, (request) => itemsOf(request.user!));
app.get('/basic/users/me/', { onRequest: requireAuth(auth, guards.basicUser) }, (request) => publicUser(request.user!));
app.get('/openapi.json', () => openApiDocument());
// Swagger UI, from the app itself.
const send = (reply: FastifyReply, { status, headers, body }: DocsAnswer) => reply.code(status).headers(headers).send(body);
app.get('/docs', (request, reply) => send(reply, docsPage(request.url.split('?')[0]!)));
app.get<{ Params: { file: string } }>('/docs/:file', (request, reply) => send(reply, docsAsset(request.params.file)));
app.get('/healthz', () => ({ ok: true }));
app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));

await app.listen({ port: address.port, host: address.host });
announce((app.server.address() as AddressInfo).port);
stopOnSignal(() => app.close());
