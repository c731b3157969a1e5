// Test tokens minted with jose inside the tests (never through gatepass), with the same HS256 secret the
// example apps are started with.
import { SignJWT, type JWTPayload } from 'jose';

/**
 * The `GATEPASS_SECRET` every example app under test gets. Not ASCII on purpose: the contract says the
 * secret is used as the UTF-8 bytes of the string, so a token minted here only verifies if the app does so.
 */
export const TEST_SECRET = 'gatepass contract secret: ünïcødé ✓ 0123456789abcdef';

const utf8 = new TextEncoder();

/** The HMAC key bytes: the secret's UTF-8 encoding. */
export const secretKey = (secret: string = TEST_SECRET): Uint8Array => utf8.encode(secret);

const now = (): number => Math.floor(Date.now() / 1000);

export interface MintOptions {
  /** `sub`; `undefined` leaves it out. Default `'johndoe'`. */
  sub?: unknown;
  /** Written as the space-separated `scope` claim when not empty. */
  scopes?: readonly string[];
  /** Seconds from now for `exp`; `null` leaves `exp` out. Default 1800. */
  expiresIn?: number | null;
  /** The HS* algorithm. Default `HS256`. */
  alg?: 'HS256' | 'HS384' | 'HS512';
  /** The signing secret. Default {@link TEST_SECRET}. */
  secret?: string;
  /** Claims set as they are (override the ones above), e.g. a non-string `scope`. */
  claims?: Record<string, unknown>;
}

/** Signs a JWT with jose. Everything the contract's bad-token rows need is a variation of this. */
export async function mint(options: MintOptions = {}): Promise<string> {
  const iat = now();
  const payload: JWTPayload = { iat };
  const sub = 'sub' in options ? options.sub : 'johndoe';
  if (sub !== undefined) payload.sub = sub as string;
  const expiresIn = options.expiresIn === undefined ? 1800 : options.expiresIn;
  if (expiresIn !== null) payload.exp = iat + expiresIn;
  if (options.scopes !== undefined && options.scopes.length > 0) payload.scope = options.scopes.join(' ');
  Object.assign(payload, options.claims);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(secretKey(options.secret));
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The tokens of the contract's "Protected routes" table, each for `johndoe` unless its name says otherwise. */
export const tokens = {
  /** A valid HS256 token for `sub` holding `scopes`. */
  valid: (sub = 'johndoe', scopes: readonly string[] = []) => mint({ sub, scopes }),
  /** Expired a minute ago (issued 31 minutes ago). */
  expired: (sub = 'johndoe', scopes: readonly string[] = []) =>
    mint({ sub, scopes, claims: { iat: now() - 31 * 60, exp: now() - 60 } }),
  /** No `exp` claim at all. */
  noExp: () => mint({ expiresIn: null, scopes: ['me', 'items'] }),
  /** No `sub` claim. */
  noSub: () => mint({ sub: undefined, scopes: ['me', 'items'] }),
  /** `sub` is a number. */
  nonStringSub: () => mint({ sub: 42 }),
  /** `sub` is an object that names johndoe. */
  objectSub: () => mint({ sub: { username: 'johndoe' } }),
  /** `scope` is an array rather than a space-separated string. */
  nonStringScope: () => mint({ claims: { scope: ['me', 'items'] } }),
  /** `sub` names no user in the store. */
  unknownSub: () => mint({ sub: 'mallory', scopes: ['me', 'items'] }),
  /** Signed with another secret. */
  wrongSignature: () => mint({ secret: 'another secret, of at least thirty-two bytes!', scopes: ['me', 'items'] }),
  /** A valid token whose signature was altered (its last part replaced by a signature of other bytes). */
  tamperedPayload: async () => {
    const [header, , signature] = (await mint({ scopes: ['me'] })).split('.');
    const payload = base64url({ sub: 'johndoe', scope: 'me items', iat: now(), exp: now() + 1800 });
    return `${header}.${payload}.${signature}`;
  },
  /** `alg: none`, hand-built: an unsecured JWT with an empty signature (RFC 7519 §6). */
  algNone: async () => {
    const header = base64url({ alg: 'none', typ: 'JWT' });
    const payload = base64url({ sub: 'johndoe', scope: 'me items', iat: now(), exp: now() + 1800 });
    return `${header}.${payload}.`;
  },
  /** HS512 with the right secret: refused because only HS256 is allowed. */
  otherAlgorithm: () => mint({ alg: 'HS512', scopes: ['me', 'items'] }),
  /** Not a JWT at all, but a valid b64token. */
  malformed: async () => 'not-a-jwt',
  /** Two parts only. */
  twoParts: async () => {
    const [header, payload] = (await mint()).split('.');
    return `${header}.${payload}`;
  },
} satisfies Record<string, (...args: never[]) => Promise<string>>;
