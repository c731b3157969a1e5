// The engine the adapter tests run against: a real createGatepass() with a real (cheap) argon2 store and
// the jose tokens of ./tokens.ts (same secret), so statuses, challenges and bodies are the core's own.
import { createGatepass, type Gatepass } from '../../src/index.js';
import { createPasswordHasher } from '../../src/password.js';
import type { User } from '../../examples/tutorial.js';
import { TEST_SECRET } from './tokens.js';

/**
 * The tutorial's user (examples/tutorial.ts). That file augments GatepassUser with it for the whole program,
 * so it is what the adapters type `req.user`, `ctx.state.user` and `request.user` as. A type import only:
 * the example module is not loaded.
 */
export type { User };

/** The store, as `[username, password, disabled, scopes]`. */
const USERS: readonly (readonly [string, string, boolean, readonly string[]])[] = [
  ['johndoe', 'secret', false, ['me', 'items']],
  // Active, for the "repeated parameter" rows (`username=johndoe&…&username=carol`).
  ['carol', 'secret', false, ['me']],
  ['alice', 'secret2', true, ['me']],
  // Active, but the isActive hook throws for it: the adapters must answer 500 without saying why.
  ['broken', 'secret', false, ['me']],
];

async function build(): Promise<Gatepass<User>> {
  // Cheap argon2 parameters: the tests hash four passwords and verify a few dozen.
  const passwords = createPasswordHasher({ memoryCost: 1024, timeCost: 1 });
  const users = new Map<string, User>();
  for (const [username, password, disabled, scopes] of USERS) {
    const hashed_password = await passwords.hash(password);
    users.set(username, { username, full_name: username, email: `${username}@example.com`, disabled, scopes: [...scopes], hashed_password });
  }
  return createGatepass<User>({
    secret: TEST_SECRET,
    scopes: { me: 'Read information about the current user.', items: 'Read items.' },
    async verifyCredentials({ username, password }) {
      const found = users.get(username);
      if (!(await passwords.verifyUser(found?.hashed_password, password)) || found === undefined) return null;
      return { subject: found.username, scopes: found.scopes };
    },
    resolveUser: (claims) => users.get(claims.sub),
    isActive: (found) => {
      if (found.username === 'broken') throw new Error('isActive failed');
      return !found.disabled;
    },
  });
}

let engine: Promise<Gatepass<User>> | undefined;

/**
 * The engine, built once per test file (vitest isolates files): johndoe/secret (active, me + items),
 * carol/secret (active, me), alice/secret2 (disabled, me), broken/secret (isActive throws).
 */
export function testEngine(): Promise<Gatepass<User>> {
  engine ??= build();
  return engine;
}
