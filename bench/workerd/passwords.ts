// The Worker bench/password-builds.ts measures on workerd: gatepass/password as workerd resolves it (the
// portable build). POST /hash hashes the body; POST /wrong-password checks the body against a stored hash
// of another password; POST /unknown-user checks it for a user who does not exist (the dummy
// verification); GET / answers at once, for the cost of the request itself.
import { createPasswordHasher } from 'gatepass/password';

const passwords = createPasswordHasher();
// Made by the first request: workerd allows no random values (a salt) while the Worker starts.
let stored: Promise<string> | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/hash') return new Response(await passwords.hash(await request.text()));
    if (pathname === '/wrong-password') {
      stored ??= passwords.hash('the right password');
      return new Response(String(await passwords.verifyUser(await stored, await request.text())));
    }
    if (pathname === '/unknown-user') return new Response(String(await passwords.verifyUser(undefined, await request.text())));
    return new Response('ok');
  },
};
