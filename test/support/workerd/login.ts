// A Worker for test/workerd-passwords.test.ts, run on workerd by examples/workerd/serve.ts's startWorkerd.
// One user, ada, whose argon2id hash the test made on Node and hands over in the ADA_HASH binding:
// POST /token logs in through gatepass/fetch; POST /hash and POST /verify run gatepass/password, which
// workerd's `workerd` condition resolves to the portable build.
import { createGatepass } from 'gatepass';
import { tokenEndpoint } from 'gatepass/fetch';
import { createPasswordHasher } from 'gatepass/password';

// At start-up, as an app creates them: workerd allows no random values there.
const passwords = createPasswordHasher();
const auth = createGatepass<{ username: string }>({
  secret: process.env.GATEPASS_SECRET ?? '',
  async verifyCredentials({ username, password }) {
    const stored = username === 'ada' ? process.env.ADA_HASH : undefined;
    return (await passwords.verifyUser(stored, password)) ? { subject: username } : null;
  },
  resolveUser: (claims) => ({ username: claims.sub }),
});
const token = tokenEndpoint(auth);

interface Body {
  password: string;
  hash?: string;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/token') return token(request);
    if (pathname === '/hash') {
      const { password } = (await request.json()) as Body;
      return Response.json({ hash: await passwords.hash(password) });
    }
    if (pathname === '/verify') {
      const { hash, password } = (await request.json()) as Body;
      return Response.json({ valid: await passwords.verify(hash ?? '', password) });
    }
    return new Response('Not Found', { status: 404 });
  },
};
