/**
 * The app's own tokens verified with `node:crypto`, synchronously, where the runtime has it (Node,
 * Bun, Deno): the checks of jose's `jwtVerify` with the options gatepass gives it, in its order and
 * with its errors, so that every token gets the same verdict either way. WebCrypto's `verify` is
 * asynchronous and, on Node, queues behind password hashes in the thread pool; `node:crypto` answers
 * on the request's own thread. Found at run time, so no bundle for a runtime without it ever imports
 * `node:crypto`; there, and for trusted issuers' keys, jose verifies.
 *
 * @module
 */
import { errors, type CryptoKey, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { TokenAlgorithm } from './algorithms.js';
import { isJsonObject, segmentJson } from './compact-jws.js';
import type { ImportedKey } from './signing-key.js';
import { decodeBase64url, decodeBase64urlInto, decodedLength } from '../lib/base64url.js';
import { deepFreeze } from '../lib/freeze.js';
import { nodeCrypto, type NodeCrypto, type NodeKey } from '../lib/node-crypto.js';

/** The claim rules of the app's own tokens: jose's `jwtVerify` options as gatepass sets them. */
export interface LocalRules {
  readonly clockTolerance: number;
  readonly requiredClaims: readonly string[];
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly typ?: string;
}

/** Verifies the app's own tokens with `node:crypto`. */
export interface NodeVerifier {
  /**
   * The protected header of a token `isCompactJws` accepted, as jose's `decodeProtectedHeader` reads it.
   *
   * @throws `TypeError` for a header that is not a JSON object.
   */
  header(token: string): ProtectedHeaderParameters;
  /**
   * The claims of a token `isCompactJws` accepted whose header named `key`, or `undefined` for a key
   * this verifier leaves to jose (one jose would refuse to use).
   *
   * @throws jose's error for the first check the token fails, as `jwtVerify` would throw it.
   */
  verify(token: string, header: ProtectedHeaderParameters, key: ImportedKey): JWTPayload | undefined;
}

/** Whether the signature of `token` is right for its signing input, `token[0, inputEnd)`. */
type SignatureCheck = (token: string, inputEnd: number) => boolean;

/** A header that verified a token, as sent and as read. */
interface KnownHeader {
  readonly encoded: string;
  readonly header: ProtectedHeaderParameters;
}

/** How many headers are remembered: the app's keys put one header on all the tokens each signs. */
const KNOWN_HEADERS = 8;

const { JOSEAlgNotAllowed, JOSENotSupported, JWSInvalid, JWSSignatureVerificationFailed, JWTClaimValidationFailed, JWTExpired, JWTInvalid } = errors;

/** jose's `typ` comparison: case-insensitive, `application/` implied when there is no `/`. */
const normalizeTyp = (value: string): string => (value.includes('/') ? value.toLowerCase() : `application/${value.toLowerCase()}`);

/**
 * A verifier for the rules, or `undefined` where the runtime has no `node:crypto` or the rules are
 * ones jose refuses (a `clockTolerance` that is not a number of seconds): jose verifies then.
 */
export function createNodeVerifier(rules: LocalRules): NodeVerifier | undefined {
  const { clockTolerance, issuer, audience, typ } = rules;
  const node = nodeCrypto;
  if (node === undefined || typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) return undefined;
  const audiences = typeof audience === 'string' ? [audience] : audience;
  const expectedTyp = typ === undefined ? undefined : normalizeTyp(typ);
  // jose checks presence in this order: the options' claims last to first.
  const required = [...new Set([...rules.requiredClaims, ...(audience === undefined ? [] : ['aud']), ...(issuer === undefined ? [] : ['iss'])].reverse())];
  const checks = new WeakMap<ImportedKey, SignatureCheck | null>();
  // The headers of tokens that verified: a header seen again is not decoded again. Only headers that
  // verified a token are kept, so no client can fill the list with its own.
  const known: KnownHeader[] = [];

  const checkOf = (key: ImportedKey): SignatureCheck | null => {
    let check = checks.get(key);
    if (check === undefined) {
      check = signatureCheck(node, key);
      checks.set(key, check);
    }
    return check;
  };

  const remember = (token: string, header: ProtectedHeaderParameters): void => {
    if (known.length === KNOWN_HEADERS) return;
    for (const entry of known) if (entry.header === header) return;
    // A copy that holds only the header: a slice of a string keeps the whole string it came from.
    known.push({ encoded: (' ' + token.slice(0, token.indexOf('.'))).slice(1), header: deepFreeze(header) });
  };

  return {
    header(token) {
      const end = token.indexOf('.');
      for (const { encoded, header } of known) if (encoded.length === end && token.startsWith(encoded)) return header;
      let header: unknown;
      try {
        header = segmentJson(token, 0, end);
      } catch (cause) {
        throw new TypeError('Invalid Token or Protected Header formatting', { cause });
      }
      if (!isJsonObject(header)) throw new TypeError('Invalid Token or Protected Header formatting');
      return header;
    },

    verify(token, header, key) {
      const check = checkOf(key);
      if (check === null) return undefined;
      const b64 = extensions(header);
      const { alg } = header;
      if (typeof alg !== 'string' || !alg) throw new JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
      if (alg !== key.alg) throw new JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
      const payloadEnd = token.lastIndexOf('.');
      let verified: boolean;
      try {
        verified = check(token, payloadEnd);
      } catch (cause) {
        throw new JWSSignatureVerificationFailed(undefined, { cause });
      }
      if (!verified) throw new JWSSignatureVerificationFailed();
      if (!b64) throw new JWTInvalid('JWTs MUST NOT use unencoded payload');

      let claims: unknown;
      try {
        claims = segmentJson(token, token.indexOf('.') + 1, payloadEnd);
      } catch (cause) {
        throw new JWTInvalid('JWT Claims Set must be a top-level JSON object', { cause });
      }
      if (!isJsonObject(claims)) throw new JWTInvalid('JWT Claims Set must be a top-level JSON object');
      if (expectedTyp !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== expectedTyp)) {
        throw new JWTClaimValidationFailed('unexpected "typ" JWT header value', claims, 'typ', 'check_failed');
      }
      for (const claim of required) {
        if (!Object.hasOwn(claims, claim)) throw new JWTClaimValidationFailed(`missing required "${claim}" claim`, claims, claim, 'missing');
      }
      if (issuer !== undefined && claims.iss !== issuer) unexpected(claims, 'iss');
      if (audiences !== undefined && !audienceMatches(claims.aud, audiences)) unexpected(claims, 'aud');

      const now = Math.floor(Date.now() / 1000);
      numericDate(claims, 'iat');
      const nbf = numericDate(claims, 'nbf');
      if (nbf !== undefined && nbf > now + clockTolerance) {
        throw new JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
      }
      const exp = numericDate(claims, 'exp');
      if (exp !== undefined && exp <= now - clockTolerance) throw new JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
      remember(token, header);
      return claims as JWTPayload;
    },
  };
}

/**
 * The header's `crit` as jose reads it (RFC 7515 §4.1.11): only `b64` is understood, and it must be
 * present and a boolean. Returns whether the payload is base64url-encoded (RFC 7797).
 */
function extensions(header: ProtectedHeaderParameters): boolean {
  const crit: unknown = header.crit;
  if (crit === undefined) return true;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => typeof name !== 'string' || name.length === 0)) {
    throw new JWSInvalid('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  }
  for (const name of crit as string[]) {
    if (name !== 'b64') throw new JOSENotSupported(`Extension Header Parameter "${name}" is not recognized`);
    if (!Object.hasOwn(header, name) || header[name] === undefined) throw new JWSInvalid(`Extension Header Parameter "${name}" is missing`);
  }
  if (typeof header.b64 !== 'boolean') throw new JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean');
  return header.b64;
}

function unexpected(claims: Record<string, unknown>, claim: string): never {
  throw new JWTClaimValidationFailed(`unexpected "${claim}" claim value`, claims, claim, 'check_failed');
}

/** jose's `aud` check: the token's audience, one or several, names one of ours. */
function audienceMatches(aud: unknown, audiences: readonly string[]): boolean {
  if (typeof aud === 'string') return audiences.includes(aud);
  return Array.isArray(aud) && audiences.some((candidate) => aud.includes(candidate));
}

function numericDate(claims: Record<string, unknown>, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new JWTClaimValidationFailed(`"${claim}" claim must be a number`, claims, claim, 'invalid');
  return value;
}

/** The curve of each ECDSA algorithm, and its signature's bytes: `r` and `s`, each as long as the curve's order (RFC 7518 §3.4). */
const ECDSA: Readonly<Record<string, { readonly namedCurve: string; readonly length: number }>> = {
  ES256: { namedCurve: 'P-256', length: 64 },
  ES384: { namedCurve: 'P-384', length: 96 },
  ES512: { namedCurve: 'P-521', length: 132 },
};

/** What WebCrypto calls an algorithm's key, as jose checks it. */
function webCryptoAlgorithm(alg: TokenAlgorithm): { name: string; sha?: string; namedCurve?: string } {
  const sha = `SHA-${alg.slice(2)}`;
  switch (alg.slice(0, 2)) {
    case 'HS':
      return { name: 'HMAC', sha };
    case 'RS':
      return { name: 'RSASSA-PKCS1-v1_5', sha };
    case 'PS':
      return { name: 'RSA-PSS', sha };
    case 'ES':
      return { name: 'ECDSA', namedCurve: ECDSA[alg]!.namedCurve };
    default:
      return { name: 'Ed25519' };
  }
}

const encoder = new TextEncoder();

/**
 * How `key` checks a signature with `node:crypto`, prepared once; `null` for a key jose would refuse
 * to use (of another algorithm, without the `verify` usage, an RSA modulus under 2048 bits): jose then
 * verifies, and refuses, as before.
 */
function signatureCheck(node: NodeCrypto, key: ImportedKey): SignatureCheck | null {
  const cryptoKey = key.verifyKey as CryptoKey;
  if ((cryptoKey as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== 'CryptoKey') return null;
  const expected = webCryptoAlgorithm(key.alg);
  const algorithm = cryptoKey.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  if (
    cryptoKey.type !== (key.alg.startsWith('HS') ? 'secret' : 'public') ||
    !cryptoKey.usages.includes('verify') ||
    algorithm.name !== expected.name ||
    (expected.sha !== undefined && algorithm.hash?.name !== expected.sha) ||
    (expected.namedCurve !== undefined && algorithm.namedCurve !== expected.namedCurve) ||
    (key.alg.startsWith('RS') || key.alg.startsWith('PS') ? !(typeof algorithm.modulusLength === 'number' && algorithm.modulusLength >= 2048) : false)
  ) {
    return null;
  }
  // An HMAC key from its bytes; a public key from its CryptoKey, which is extractable (Node deprecates
  // KeyObject.from for one that is not, so such a key stays with jose).
  let keyObject: NodeKey | undefined;
  try {
    keyObject = key.secret !== undefined ? node.createSecretKey(key.secret) : cryptoKey.extractable ? node.KeyObject.from(cryptoKey) : undefined;
  } catch {
    return null;
  }
  if (keyObject === undefined) return null;
  const hash = key.alg === 'EdDSA' ? null : `sha${key.alg.slice(2)}`;
  const signatureOf = (token: string, inputEnd: number): Uint8Array => decodeBase64url(token, inputEnd + 1, token.length);
  switch (key.alg.slice(0, 2)) {
    case 'HS': {
      // The signature is decoded into bytes kept for it: verification is synchronous, so one at a time.
      const signature = new Uint8Array(Number(key.alg.slice(2)) / 8);
      return (token, inputEnd) => {
        const mac = node.createHmac(hash!, keyObject).update(token.slice(0, inputEnd)).digest();
        if (decodedLength(token.length - inputEnd - 1) !== mac.length) return false;
        return node.timingSafeEqual(mac, decodeBase64urlInto(token, inputEnd + 1, token.length, signature));
      };
    }
    case 'PS': {
      // jose requires the salt to be as long as the hash (RFC 7518 §3.5).
      const pss = { key: keyObject, padding: node.constants.RSA_PKCS1_PSS_PADDING, saltLength: node.constants.RSA_PSS_SALTLEN_DIGEST };
      return (token, inputEnd) => node.verify(hash, encoder.encode(token.slice(0, inputEnd)), pss, signatureOf(token, inputEnd));
    }
    case 'ES': {
      const { length } = ECDSA[key.alg]!;
      const raw = { key: keyObject, dsaEncoding: 'ieee-p1363' };
      return (token, inputEnd) => {
        const signature = signatureOf(token, inputEnd);
        return signature.length === length && node.verify(hash, encoder.encode(token.slice(0, inputEnd)), raw, signature);
      };
    }
    default: {
      const pkcs1 = key.alg === 'EdDSA' ? keyObject : { key: keyObject, padding: node.constants.RSA_PKCS1_PADDING };
      return (token, inputEnd) => node.verify(hash, encoder.encode(token.slice(0, inputEnd)), pkcs1, signatureOf(token, inputEnd));
    }
  }
}
