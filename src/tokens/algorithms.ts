/**
 * The JWS algorithms gatepass signs and verifies with (RFC 7518), and which keys they take.
 *
 * @module
 */

/** JWS algorithms gatepass signs and verifies with. `none` is never one of them. */
export type TokenAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/** The algorithms that sign with a private key and verify with a public one: what a JWKS may hold. */
export type AsymmetricAlgorithm = Exclude<TokenAlgorithm, `HS${string}`>;

/** Every algorithm, in a stable order. */
export const ALGORITHMS: readonly TokenAlgorithm[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** The public-key algorithms, for keys from a JWKS: never an HMAC one (RFC 8725 §2.1). */
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ALGORITHMS.filter(
  (alg): alg is AsymmetricAlgorithm => !isHmac(alg),
);

export function isAlgorithm(value: unknown): value is TokenAlgorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}

/** Whether `alg` is an HMAC algorithm: one shared secret both signs and verifies. */
export function isHmac(alg: TokenAlgorithm): boolean {
  return alg.startsWith('HS');
}

/** The least number of secret bytes for an HMAC algorithm: the hash's size (RFC 7518 §3.2). */
export function secretBytesFor(alg: TokenAlgorithm): number {
  return Number(alg.slice(2)) / 8;
}
