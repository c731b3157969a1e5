// The engines the suites run against: real createGatepass() instances over small in-memory stores of
// argon2id hashes (cheap parameters), written the way the docs tell an app to write them (verifyUser, so
// an unknown user costs a hash), so statuses, challenges and bodies are the core's own.
//
// - testEngine: the adapter suites' engine, with the tutorial's users and the jose tokens of ./tokens.ts
//   (TEST_SECRET);
// - securityEngine: the engine the security suites attack, whose every secret is distinctive, so the leak
//   checks can look for it in any output (SECRET).
import { createGatepass, type AccessTokenClaims, type Gatepass, type GatepassOptions, type PasswordForm } from '../../src/index.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/password.js';
import type { User } from '../../examples/tutorial.js';
import { SECRET, TEST_SECRET } from './tokens.js';

/** Cheap argon2 parameters: the suites hash a handful of passwords and verify a few hundred. */
export const CHEAP = { memoryCost: 1024, timeCost: 1 } as const;

/** The scopes every engine declares. */
export const SCOPES = { me: 'Read information about the current user.', items: 'Read items.' };

// ---- The adapter suites' engine -------------------------------------------------------------------------

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
  const passwords = createPasswordHasher(CHEAP);
  const users = new Map<string, User>();
  for (const [username, password, disabled, scopes] of USERS) {
    const hashed_password = await passwords.hash(password);
    users.set(username, { username, full_name: username, email: `${username}@example.com`, disabled, scopes: [...scopes], hashed_password });
  }
  return createGatepass<User>({
    secret: TEST_SECRET,
    scopes: SCOPES,
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

// ---- The security suites' engine ------------------------------------------------------------------------

/** Every user's password. */
export const PASSWORD = 'pw-Corr3ct-H0rse-Battery-Staple!';
/** A wrong password, as distinctive. */
export const WRONG_PASSWORD = 'pw-Wr0ng-Guess-9f8e7d6c5b4a';

export interface SecurityUser {
  username: string;
  /** The stored argon2id hash. */
  hash: string;
  scopes: string[];
}

export interface EngineOptions extends Partial<GatepassOptions<SecurityUser>> {
  /** The hasher the app verifies with. Default: a cheap one with gatepass's default limits. */
  passwords?: PasswordHasher;
  /** App code run in verifyCredentials before the password is checked (a barrier, a probe). */
  beforeVerify?: (form: PasswordForm) => void | Promise<void>;
  /** App code run in resolveUser before the lookup (a hook that throws or hangs). */
  beforeResolve?: (claims: AccessTokenClaims) => void | Promise<void>;
  /** More users, as username → stored hash (e.g. a hash with costly parameters). */
  extraUsers?: Record<string, string>;
}

export interface SecurityEngine {
  auth: Gatepass<SecurityUser>;
  users: Map<string, SecurityUser>;
  passwords: PasswordHasher;
}

const stored = new Map<PasswordHasher, Promise<string>>();
const defaultPasswords = createPasswordHasher(CHEAP);

/**
 * Users: `johndoe` (me, items) and `josé` (NFC, me), both with {@link PASSWORD}. Options override the token
 * settings and hooks; a key pair replaces the secret.
 */
export async function securityEngine(options: EngineOptions = {}): Promise<SecurityEngine> {
  const { passwords = defaultPasswords, beforeVerify, beforeResolve, extraUsers = {}, ...overrides } = options;
  if (!stored.has(passwords)) stored.set(passwords, passwords.hash(PASSWORD));
  const hash = await (stored.get(passwords) as Promise<string>);
  const users = new Map<string, SecurityUser>([
    ['johndoe', { username: 'johndoe', hash, scopes: ['me', 'items'] }],
    ['jos\u00e9', { username: 'jos\u00e9', hash, scopes: ['me'] }],
  ]);
  for (const [username, extra] of Object.entries(extraUsers)) users.set(username, { username, hash: extra, scopes: ['me'] });

  const asymmetric = overrides.privateKey !== undefined || overrides.publicKey !== undefined;
  const auth = createGatepass<SecurityUser>({
    ...(asymmetric ? {} : { secret: SECRET }),
    scopes: SCOPES,
    async verifyCredentials(form) {
      await beforeVerify?.(form);
      const found = users.get(form.username);
      if (!(await passwords.verifyUser(found?.hash, form.password)) || found === undefined) return null;
      return { subject: found.username, scopes: found.scopes };
    },
    async resolveUser(claims) {
      await beforeResolve?.(claims);
      return users.get(claims.sub) ?? null;
    },
    ...overrides,
  });
  return { auth, users, passwords };
}

/**
 * A barrier for `beforeVerify`: logins wait in it until {@link Barrier.release}, then go on in the order
 * they arrived, all in the same turn of the event loop (so each takes or is refused a hashing slot before
 * any hash finishes). Once released, it stays open.
 */
export class Barrier {
  readonly #waiting: Array<{ who: string; go: () => void }> = [];
  readonly #arrivals: Array<{ count: number; then: () => void }> = [];
  #open = false;

  /** Use as `beforeVerify`. */
  readonly hold = (form: PasswordForm): Promise<void> =>
    this.#open ? Promise.resolve() : new Promise<void>((go) => {
      this.#waiting.push({ who: form.clientId ?? form.username, go });
      for (const wish of this.#arrivals.filter((w) => this.#waiting.length >= w.count)) {
        this.#arrivals.splice(this.#arrivals.indexOf(wish), 1);
        wish.then();
      }
    });

  /** Resolves once `count` logins are waiting. */
  arrived(count: number): Promise<void> {
    if (this.#waiting.length >= count) return Promise.resolve();
    return new Promise((then) => this.#arrivals.push({ count, then }));
  }

  /** Who is waiting (the client_id, else the username), in arrival order. */
  get waiting(): string[] {
    return this.#waiting.map((w) => w.who);
  }

  /** Lets every waiting login go on, in arrival order; later ones no longer wait. */
  release(): void {
    this.#open = true;
    for (const { go } of this.#waiting.splice(0)) go();
  }
}

/**
 * An argon2id hash with costly parameters (a legacy user, or a hostile store row): verifying a password
 * against it holds a hashing slot for a long while (hundreds of milliseconds) at moderate memory.
 */
export function costlyHash(timeCost = 300, memoryCost = 4096): string {
  const random = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=1$${random(16)}$${random(32)}`;
}
