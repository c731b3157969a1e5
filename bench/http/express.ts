// The Express benchmark server: a bare route, gatepass's requireAuth, and express-jwt with the secret
// as a string and as a KeyObject. Started by bench/http/adapters.ts; listens on 127.0.0.1, any port.
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { expressjwt, type Request as JwtRequest } from 'express-jwt';
import { requireAuth } from 'gatepass/express';
import { announceNode, auth, BODY, peerUser, SECRET, SECRET_KEY, UNAUTHORIZED } from './common.js';

const app = express();
app.disable('x-powered-by');

const peerRoute = (req: Request, res: Response) => {
  if (peerUser((req as JwtRequest).auth) === undefined) res.status(401).json(UNAUTHORIZED);
  else res.json(BODY);
};

app.get('/healthz', (_req, res) => {
  res.json(BODY);
});
app.get('/status-gatepass', requireAuth(auth), (_req, res) => {
  res.json(BODY);
});
app.get('/status-peer', expressjwt({ secret: SECRET, algorithms: ['HS256'] }), peerRoute);
app.get('/status-peer-key', expressjwt({ secret: SECRET_KEY, algorithms: ['HS256'] }), peerRoute);
// express-jwt's refusals carry their status (401); anything else is a 500.
const jsonErrors: ErrorRequestHandler = (err: { status?: unknown }, _req, res, _next) => {
  res.status(err.status === 401 ? 401 : 500).json(err.status === 401 ? UNAUTHORIZED : { detail: 'Internal Server Error' });
};
app.use(jsonErrors);

announceNode(app.listen(0, '127.0.0.1'));
