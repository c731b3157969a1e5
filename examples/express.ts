// FastAPI's security tutorial on Express 5: `npm run example:express` (PORT, HOST, GATEPASS_SECRET).
import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Response } from 'express';
import { requireAuth, tokenEndpoint, jwksEndpoint, logoutEndpoint } from 'gatepass/express';
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

const app = express();
app.disable('x-powered-by');

// Mounted for every method: the endpoint answers any but POST with 405 and Allow: POST.
app.all('/token', tokenEndpoint(auth));
app.all('/token/strict', tokenEndpoint(auth, { grantType: 'strict' }));
app.get('/.well-known/jwks.json', jwksEndpoint(auth));
app.all('/logout', logoutEndpoint(auth));

// Express matches these with or without the trailing slash.
app.get('/users/me/', requireAuth(auth), (req, res) => {
  res.json(publicUser(req.user!));
});
app.get('/users/me/items/', requireAuth(auth), (req, res) => {
  res.json(itemsOf(req.user!));
});
app.get('/scoped/users/me/', requireAuth(auth, { scopes: ['me'] }), (req, res) => {
  res.json(publicUser(req.user!));
});
app.get('/scoped/users/me/items/', requireAuth(auth, { scopes: ['me', 'items'] }), (req, res) => {
  res.json(itemsOf(req.user!));
});
app.get('/status/', requireAuth(auth, { active: false }), (_req, res) => {
  res.json({ status: 'ok' });
});
// FastAPI's other schemes: an API key or a bearer token with scope items; HTTP Basic.
app.get('/machine/items/', requireAuth(auth, guards.machineItems), (req, res) => {
  res.json(itemsOf(req.user!));
});
app.get('/basic/users/me/', requireAuth(auth, guards.basicUser), (req, res) => {
  res.json(publicUser(req.user!));
});
app.get('/openapi.json', (_req, res) => {
  res.json(openApiDocument());
});
// Swagger UI, from the app itself.
const send = (res: Response, { status, headers, body }: DocsAnswer) => res.status(status).set(headers).send(body);
app.get('/docs', (req, res) => send(res, docsPage(req.path)));
app.get('/docs/:file', (req, res) => send(res, docsAsset(req.params.file)));
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});

app.use((_req, res) => {
  res.status(404).json({ detail: 'Not Found' });
});
// Every error is JSON: a client error keeps its status (e.g. a malformed URL), anything else is a 500.
const jsonErrors: ErrorRequestHandler = (err: { status?: unknown }, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) console.error(err);
  res.status(status).json({ detail: STATUS_CODES[status] });
};
app.use(jsonErrors);

const server = app.listen(address.port, address.host, (error?: Error) => {
  if (error) throw error;
  announce((server.address() as AddressInfo).port);
});
stopOnSignal(() => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))));
