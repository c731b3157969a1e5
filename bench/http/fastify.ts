// The Fastify benchmark server: a bare route, gatepass's requireAuth, and @fastify/jwt as configured by
// default and with fast-jwt's verification cache. Started by bench/http/adapters.ts; listens on
// 127.0.0.1, any port.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import gatepass, { requireAuth } from 'gatepass/fastify';
import { announce, auth, BODY, peerUser, SECRET, UNAUTHORIZED } from './common.js';

const app = Fastify();
await app.register(gatepass);
// gatepass declares request.user, so @fastify/jwt puts the claims on request.claims.
const verify = { algorithms: ['HS256' as const], requiredClaims: ['sub', 'exp'] };
await app.register(fastifyJwt, { secret: SECRET, decoratorName: 'claims', verify });
await app.register(fastifyJwt, { secret: SECRET, decoratorName: 'claims', namespace: 'cached', verify: { ...verify, cache: true } });

type Verify = (request: FastifyRequest) => Promise<unknown>;
const peerRoute = (verifyToken: Verify) => async (request: FastifyRequest, reply: FastifyReply) => {
  const claims = await verifyToken(request).catch(() => undefined);
  if (peerUser(claims) === undefined) return reply.code(401).send(UNAUTHORIZED);
  return BODY;
};

app.get('/healthz', async () => BODY);
app.get('/status-gatepass', { onRequest: requireAuth(auth) }, async () => BODY);
app.get('/status-peer', peerRoute((request) => request.jwtVerify()));
app.get('/status-peer-cache', peerRoute((request) => (request as unknown as Record<'cachedJwtVerify', () => Promise<unknown>>).cachedJwtVerify()));

await app.listen({ port: 0, host: '127.0.0.1' });
announce((app.server.address() as { port: number }).port);
