// Hand-built JWTs: the header and payload are exact JSON text (so a test can put `__proto__` keys, wrong
// types or broken JSON in them), signed with node:crypto HMAC or with jose for asymmetric keys.
import { createHmac } from 'node:crypto';
import { SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { SECRET } from './engine.js';

export const b64url = (input: string | Uint8Array): string => Buffer.from(input).toString('base64url');
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export const now = (): number => Math.floor(Date.now() / 1000);

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
