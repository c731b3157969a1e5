// The Koa benchmark server: a bare route, gatepass's requireAuth, and koa-jwt with the secret as a
// string and as a KeyObject. Started by bench/http/adapters.ts; listens on 127.0.0.1, any port.
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import koaJwt from 'koa-jwt';
import { requireAuth } from 'gatepass/koa';
import { announceNode, auth, BODY, peerUser, SECRET, SECRET_KEY, UNAUTHORIZED } from './common.js';

const app = new Koa();
const router = new Router();

const peerRoute = (ctx: Context) => {
  if (peerUser(ctx.state.user) === undefined) {
    ctx.status = 401;
    ctx.body = UNAUTHORIZED;
  } else ctx.body = BODY;
};

router.get('/healthz', (ctx) => {
  ctx.body = BODY;
});
router.get('/status-gatepass', requireAuth(auth), (ctx) => {
  ctx.body = BODY;
});
router.get('/status-peer', koaJwt({ secret: SECRET, algorithms: ['HS256'] }), peerRoute);
// koa-jwt hands the secret to jsonwebtoken, which takes a KeyObject too; its types predate that.
router.get('/status-peer-key', koaJwt({ secret: SECRET_KEY as unknown as Buffer, algorithms: ['HS256'] }), peerRoute);
app.use(router.routes());

announceNode(app.listen(0, '127.0.0.1'));
