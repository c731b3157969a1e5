// The Worker bench/password-builds.ts measures on workerd: gatepass/password as workerd resolves it (the
// portable build). POST /hash hashes the body; POST /verify-user checks it for a user who does not exist
// (the dummy verification); GET / answers at once, for the cost of the request itself.
import { createPasswordHasher } from 'gatepass/password';

const passwords = createPasswordHasher();

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/hash') return new Response(await passwords.hash(await request.text()));
    if (pathname === '/verify-user') return new Response(String(await passwords.verifyUser(undefined, await request.text())));
    return new Response('ok');
  },
};
