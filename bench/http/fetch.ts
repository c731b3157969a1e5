// The fetch-handler benchmark server on Hono and @hono/node-server: a bare route, gatepass/fetch's
// requireAuth, and Hono's jwt middleware with the secret as a string and as an imported CryptoKey.
// Started by bench/http/adapters.ts; listens on 127.0.0.1, any port.
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { jwt } from 'hono/jwt';
import { requireAuth } from 'gatepass/fetch';
import { announce, auth, BODY, peerUser, SECRET, UNAUTHORIZED } from './common.js';

const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const status = requireAuth(auth)((_request, _principal, c: Context) => c.json(BODY));
const peerRoute = (c: Context) => (peerUser(c.get('jwtPayload')) === undefined ? c.json(UNAUTHORIZED, 401) : c.json(BODY));

const app = new Hono();
app.get('/healthz', (c) => c.json(BODY));
app.get('/status-gatepass', (c) => status(c.req.raw, c));
app.get('/status-peer', jwt({ secret: SECRET, alg: 'HS256' }), peerRoute);
app.get('/status-peer-key', jwt({ secret: key, alg: 'HS256' }), peerRoute);

serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port));
