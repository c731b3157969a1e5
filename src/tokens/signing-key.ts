/**
 * One key of a key set: what the app gives (a secret, a PEM, a JWK, a `KeyObject` or `CryptoKey`),
 * checked at start-up and imported once, with its `kid` and its public JWK.
 *
 * @module
 */
import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  exportJWK,
  importJWK,
  importPKCS8,
  importSPKI,
  type CryptoKey,
  type JWK,
  type KeyObject,
} from 'jose';
import { base64url } from '../lib/base64url.js';
import { ASYMMETRIC_ALGORITHMS, isAlgorithm, isHmac, secretBytesFor, type TokenAlgorithm } from './algorithms.js';

/** A key: an imported `CryptoKey` or Node `KeyObject`, a JWK object, or a PEM string (PKCS#8 private, SPKI public). */
export type KeyInput = CryptoKey | KeyObject | JWK | string;

/**
 * One signing or verification key. Give `secret` (HMAC), or `privateKey` (signs; its public part
 * verifies and is published), or `publicKey` alone (verifies only: another service's key).
 */
export interface KeySpec {
  /** The key's id, written into every token it signs. Default: its RFC 7638 thumbprint. */
  kid?: string;
  /**
   * The one algorithm this key signs and verifies with. Default: a JWK's own `alg`, else the
   * `algorithm` option for a key of its kind, else `HS256` for a secret.
   */
  alg?: TokenAlgorithm;
  /** An HMAC key; a string is used as its UTF-8 bytes. At least as long as the hash (32 bytes for HS256). */
  secret?: string | Uint8Array;
  /** The private key of an asymmetric algorithm. */
  privateKey?: KeyInput;
  /** The public key of an asymmetric algorithm; needed with a private `CryptoKey` that is not extractable. */
  publicKey?: KeyInput;
}

/** How a start-up error says where a secret comes from. */
export const MAKE_A_SECRET = '`npx gatepass secret` prints one';

/** Every {@link KeySpec} name, for refusing misspelled ones. */
export const KEY_SPEC_NAMES = { kid: true, alg: true, secret: true, privateKey: true, publicKey: true } as const satisfies Record<
  keyof KeySpec,
  true
>;

/** A key ready for use. */
export interface ImportedKey {
  readonly kid: string;
  readonly alg: TokenAlgorithm;
  /** What signs: absent for a verification-only key. */
  readonly signKey: CryptoKey | KeyObject | undefined;
  readonly verifyKey: CryptoKey | KeyObject;
  /** The public JWK with `kid`, `alg` and `use`, for the JWKS; absent for a secret, which is never published. */
  readonly jwk: JWK | undefined;
  /** An HMAC key's bytes, a copy, for a verifier that takes them raw (`node:crypto`); never published either. */
  readonly secret?: Uint8Array;
}

/** The JWK members that hold private key material (RFC 7518 §6): never in a published or fetched key set. */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const isJwk = (key: unknown): key is JWK =>
  typeof key === 'object' && key !== null && typeof (key as { kty?: unknown }).kty === 'string';
const isPem = (key: unknown): key is string => typeof key === 'string' && key.trimStart().startsWith('-----BEGIN ');
const isKeyObject = (key: unknown): boolean =>
  typeof key === 'object' && key !== null && ('asymmetricKeyType' in key || ('algorithm' in key && 'usages' in key));
const isKeyInput = (key: unknown): key is KeyInput => isPem(key) || isJwk(key) || isKeyObject(key);
const hasPrivateMembers = (jwk: JWK): boolean => PRIVATE_MEMBERS.some((member) => member in jwk);

/** The public members of a JWK: what a key set may show. */
function publicPart(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  for (const member of ['kid', 'alg', 'use', 'key_ops', 'ext']) delete copy[member];
  return copy as JWK;
}

/**
 * Checks a key spec at start-up, synchronously, and settles its algorithm: what can be known without
 * importing the key. `algorithm` is the engine's `algorithm` option, when given.
 */
export function checkKeySpec(spec: KeySpec, algorithm: TokenAlgorithm | undefined, where: string): TokenAlgorithm {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${where}: each key must be an object`);
  const { secret, privateKey, publicKey } = spec;
  if (spec.kid !== undefined && (typeof spec.kid !== 'string' || spec.kid === '')) throw new TypeError(`${where}: kid must be a non-empty string`);
  if (secret === undefined && privateKey === undefined && publicKey === undefined) {
    throw new TypeError(`${where}: a key needs secret, privateKey or publicKey`);
  }
  if (secret !== undefined && (privateKey !== undefined || publicKey !== undefined)) {
    throw new TypeError(`${where}: give secret or privateKey/publicKey, not both`);
  }
  if (secret !== undefined && typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new TypeError(`${where}: secret must be a string or a Uint8Array`);
  }
  for (const [name, key] of [
    ['privateKey', privateKey],
    ['publicKey', publicKey],
  ] as const) {
    if (key !== undefined && !isKeyInput(key)) throw new TypeError(`${where}: ${name} must be a PEM string, a JWK, a KeyObject or a CryptoKey`);
  }
  if (isJwk(publicKey) && hasPrivateMembers(publicKey)) throw new TypeError(`${where}: publicKey holds private key members`);

  const jwkAlg = [privateKey, publicKey].find(isJwk)?.alg;
  const fallback =
    secret !== undefined
      ? algorithm !== undefined && isHmac(algorithm)
        ? algorithm
        : 'HS256'
      : algorithm !== undefined && !isHmac(algorithm)
        ? algorithm
        : undefined;
  const alg = spec.alg ?? jwkAlg ?? fallback;
  if (alg === undefined) throw new TypeError(`${where}: give alg for this key (one of ${ASYMMETRIC_ALGORITHMS.join(', ')})`);
  if (!isAlgorithm(alg)) throw new TypeError(`${where}: algorithm ${JSON.stringify(alg)} is not supported`);
  if (isHmac(alg) !== (secret !== undefined)) {
    throw new TypeError(
      secret !== undefined ? `${where}: algorithm ${alg} needs privateKey/publicKey, not secret` : `${where}: algorithm ${alg} needs secret, not privateKey/publicKey`,
    );
  }
  if (secret !== undefined) {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret).byteLength : secret.byteLength;
    const needed = secretBytesFor(alg);
    if (bytes < needed) {
      throw new RangeError(`${where}: secret must be at least ${needed} bytes for ${alg} (RFC 7518 §3.2); ${MAKE_A_SECRET}`);
    }
  }
  return alg;
}

/**
 * Imports a checked key spec once: HMAC secrets as a `CryptoKey`, PEM and JWK through jose, and the
 * public JWK for the key set. A key pair is proved to match by signing and verifying once, so a
 * wrong pair or a key of another type fails here rather than on every request.
 */
export async function importSigningKey(spec: KeySpec, alg: TokenAlgorithm, where: string): Promise<ImportedKey> {
  if (spec.secret !== undefined) {
    const bytes = typeof spec.secret === 'string' ? new TextEncoder().encode(spec.secret) : spec.secret;
    const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['sign', 'verify']);
    const kid = spec.kid ?? (await calculateJwkThumbprint({ kty: 'oct', k: base64url(bytes) }));
    return { kid, alg, signKey: key, verifyKey: key, jwk: undefined, secret: bytes.slice() };
  }
  try {
    const signKey = spec.privateKey === undefined ? undefined : await asKey(spec.privateKey, alg, 'private');
    const publicJwk =
      spec.publicKey !== undefined
        ? publicPart(isJwk(spec.publicKey) ? spec.publicKey : await exportJWK(await asKey(spec.publicKey, alg, 'public')))
        : await exportPublic(signKey!);
    const verifyKey = await importJWK(publicJwk, alg);
    const givenKid = [spec.privateKey, spec.publicKey].find(isJwk)?.kid;
    const kid = spec.kid ?? givenKid ?? (await calculateJwkThumbprint(publicJwk));
    if (signKey !== undefined) await proveKeyPair(signKey, verifyKey as CryptoKey, alg);
    return { kid, alg, signKey, verifyKey: verifyKey as CryptoKey, jwk: { ...publicJwk, kid, alg, use: 'sig' } };
  } catch (cause) {
    throw new TypeError(`${where}: the ${alg} key${spec.kid === undefined ? '' : ` ${spec.kid}`} could not be used: ${(cause as Error).message}`, {
      cause,
    });
  }
}

async function asKey(key: KeyInput, alg: TokenAlgorithm, kind: 'private' | 'public'): Promise<CryptoKey | KeyObject> {
  if (typeof key === 'string') return kind === 'private' ? importPKCS8(key, alg, { extractable: true }) : importSPKI(key, alg, { extractable: true });
  if (isJwk(key)) {
    if (kind === 'private' && !hasPrivateMembers(key)) throw new TypeError('privateKey is a public JWK');
    return (await importJWK({ ...key, ext: true }, alg, { extractable: true })) as CryptoKey;
  }
  const type = (key as { type?: unknown }).type;
  if (type !== kind) throw new TypeError(`${kind}Key is a ${String(type)} key`);
  return key;
}

async function exportPublic(privateKey: CryptoKey | KeyObject): Promise<JWK> {
  if ((privateKey as { extractable?: boolean }).extractable === false) {
    throw new TypeError('the private CryptoKey is not extractable: give publicKey as well');
  }
  return publicPart(await exportJWK(privateKey));
}

const PROBE = new TextEncoder().encode('gatepass key check');

async function proveKeyPair(signKey: CryptoKey | KeyObject, verifyKey: CryptoKey, alg: TokenAlgorithm): Promise<void> {
  const jws = await new CompactSign(PROBE).setProtectedHeader({ alg }).sign(signKey);
  await compactVerify(jws, verifyKey).catch((cause: unknown) => {
    throw new TypeError('privateKey and publicKey are not one key pair', { cause });
  });
}
