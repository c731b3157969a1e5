// Test tokens, never made through gatepass: minted with jose for the example apps and the adapter suites
// (the secret they are started with), and hand-built JWS for the security suites, whose header and payload
// are exact JSON text (so a test can put `__proto__` keys, wrong types or broken JSON in them), signed
// with node:crypto HMAC or with jose for asymmetric keys.
import { createHmac } from 'node:crypto';
import { SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * The `GATEPASS_SECRET` every example app under test gets. Not ASCII on purpose: the contract says the
 * secret is used as the UTF-8 bytes of the string, so a token minted here only verifies if the app does so.
 */
export const TEST_SECRET = 'gatepass contract secret: ünïcødé ✓ 0123456789abcdef';

/** The security suites' HMAC secret: 64 bytes, enough for HS256, HS384 and HS512. */
export const SECRET = 'sec-suite/HMAC-secret/5f0c2b9e-7a41-4d3b-9e86-c1d2e3f4a5b6/0123456789abcdef';

const utf8 = new TextEncoder();

/** The HMAC key bytes: the secret's UTF-8 encoding. */
export const secretKey = (secret: string = TEST_SECRET): Uint8Array => utf8.encode(secret);

export const now = (): number => Math.floor(Date.now() / 1000);

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

// ---- Hand-built JWS ---------------------------------------------------------------------------------

export const b64url = (input: string | Uint8Array): string => Buffer.from(input).toString('base64url');
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Valid claims for johndoe, ten minutes left, with `extra` on top. */
export const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'johndoe',
  iat: now(),
  exp: now() + 600,
  ...extra,
});

const HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;
export type HmacAlg = keyof typeof HASH;

/**
 * An HMAC-signed compact JWS: `header` and `payload` as objects (JSON-encoded) or as exact JSON text.
 * `alg` picks the HMAC hash (default: the header's `alg` when it is an HS one, else HS256).
 */
export function hmacToken(
  header: unknown,
  payload: unknown,
  key: string | Uint8Array = SECRET,
  alg?: HmacAlg,
): string {
  const headerAlg = (header as { alg?: unknown } | null)?.alg;
  const hash = HASH[alg ?? (typeof headerAlg === 'string' && headerAlg in HASH ? (headerAlg as HmacAlg) : 'HS256')];
  const input = `${b64url(text(header))}.${b64url(text(payload))}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

/** A token signed with jose and any key (asymmetric ones included). */
export function joseToken(key: CryptoKey | Uint8Array, header: { alg: string } & Record<string, unknown>, payload: JWTPayload = claims()): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Another spelling of the same bytes: the last character with one unused trailing bit set (RFC 4648
 * §3.5). Throws for a segment whose length leaves no unused bits.
 */
export function nonCanonical(segment: string): string {
  if (segment.length % 4 === 0) throw new Error('a segment of a multiple of 4 characters has no unused bits');
  const last = ALPHABET.indexOf(segment.at(-1) as string);
  return segment.slice(0, -1) + ALPHABET[last | 1];
}

export const segments = (token: string): [string, string, string] => token.split('.') as [string, string, string];
