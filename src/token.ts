/**
 * Access tokens: JWTs issued and verified with `jose` (RFC 7519, RFC 8725), and the token endpoint's
 * success response (RFC 6749 §5.1).
 *
 * @module
 */
import { jwtVerify, SignJWT, importPKCS8, importSPKI, type CryptoKey, type JWTPayload, type KeyObject } from 'jose';
import { BearerError, type AuthError } from './errors/auth-error.js';
import type { ResourceErrorCode } from './errors/codes.js';
import { asEndpointError } from './errors/endpoint.js';
import { callHook, checkTimeout } from './lib/hooks.js';
import { checkOptionNames, checkOptionsObject } from './lib/options.js';

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

const ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] satisfies TokenAlgorithm[];

/** A key: an imported `CryptoKey`/`KeyObject`, or a PEM string (PKCS#8 private, SPKI public). */
export type KeyInput = CryptoKey | KeyObject | string;

/** The claims of a verified access token. `sub` is always a non-empty string. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  /** Space-separated granted scopes (RFC 8693 §4.2), when any were granted. */
  scope?: string;
}

/** How tokens are signed and verified. Give `secret` (HMAC) or `privateKey`/`publicKey`. */
export interface TokenOptions {
  /** The HMAC key for `HS*`: a string is used as its UTF-8 bytes. At least as long as the hash (32 bytes for HS256). */
  secret?: string | Uint8Array;
  /** The key that signs tokens with an asymmetric algorithm. */
  privateKey?: KeyInput;
  /** The key that verifies tokens signed with an asymmetric algorithm. */
  publicKey?: KeyInput;
  /** The algorithm tokens are issued with. Default `HS256`. */
  algorithm?: TokenAlgorithm;
  /** The algorithms a token may carry to be verified (RFC 8725 §3.1). Default: `[algorithm]`. */
  algorithms?: readonly TokenAlgorithm[];
  /** Lifetime of issued tokens in seconds. Default 1800 (FastAPI's 30 minutes). */
  expiresIn?: number;
  /** Sets `iss` on issue and requires it on verify. */
  issuer?: string;
  /** Sets `aud` on issue and requires it on verify (any of them, when several). */
  audience?: string | readonly string[];
  /** Sets the JOSE `typ` header on issue and requires it on verify, e.g. `'at+jwt'` (RFC 9068). */
  typ?: string;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. Default 0. */
  clockTolerance?: number;
  /** Refuse tokens without `exp`. Default `true`. */
  requireExpiry?: boolean;
  /** Longest token accepted, in characters; longer ones are refused before any decoding. Default 8192. */
  maxTokenLength?: number;
  /** Give every issued token a `jti`: `true` for a random UUID, or a function returning one. */
  jti?: boolean | (() => string);
  /**
   * Consulted after the signature and claims check; `true` refuses the token with `ERR_TOKEN_REVOKED`.
   * A hook that throws makes the request fail with `ERR_HOOK_FAILED` (500), one that does not answer
   * within `hookTimeout` with `ERR_HOOK_TIMEOUT` (503): never a pass.
   */
  isRevoked?: (claims: AccessTokenClaims) => boolean | Promise<boolean>;
  /** Milliseconds an app hook (`isRevoked`, and the engine's hooks) may take before the request fails with 503. Default 10000. */
  hookTimeout?: number;
}

/** Every {@link TokenOptions} name, for refusing misspelled ones. */
export const TOKEN_OPTION_NAMES = {
  secret: true,
  privateKey: true,
  publicKey: true,
  algorithm: true,
  algorithms: true,
  expiresIn: true,
  issuer: true,
  audience: true,
  typ: true,
  clockTolerance: true,
  requireExpiry: true,
  maxTokenLength: true,
  jti: true,
  isRevoked: true,
  hookTimeout: true,
} as const satisfies Record<keyof TokenOptions, true>;

/** What to put in an issued token besides the registered claims. */
export interface IssueOptions {
  /** Granted scopes, written as the space-separated `scope` claim when not empty. */
  scopes?: readonly string[];
  /** Extra claims. Registered claims (`sub`, `exp`, `iat`, `iss`, `aud`, `jti`, `scope`) are gatepass's to set. */
  claims?: Readonly<Record<string, unknown>>;
  /** Overrides the lifetime for this token, in seconds. */
  expiresIn?: number;
}

/** A freshly signed access token. */
export interface IssuedToken {
  /** The compact JWS. */
  token: string;
  /** The claims it carries. */
  claims: AccessTokenClaims;
  /** Lifetime in seconds. */
  expiresIn: number;
  /** Granted scopes. */
  scopes: string[];
}

/** Issues and verifies access tokens with keys imported once, at creation. */
export interface Tokens {
  /**
   * Signs an access token for `subject`.
   *
   * @throws `TypeError` when `subject` is not a non-empty string.
   */
  issue(subject: string, options?: IssueOptions): Promise<IssuedToken>;
  /**
   * Verifies a token and returns its claims.
   *
   * @throws {@link BearerError} with an `invalid_token` code; jose's error is its `cause`.
   */
  verify(token: string): Promise<AccessTokenClaims>;
}

const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;
const REGISTERED = ['sub', 'exp', 'iat', 'nbf', 'iss', 'aud', 'jti', 'scope'];
// Compact JWS: three base64url segments without padding (RFC 7515 §7.1). The signature may be empty
// here so that `alg: none` is reported as a refused algorithm rather than as a malformed token.
const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Whether a base64url segment has the one spelling its bytes encode to: no impossible length and no
 * stray bits in the last character (RFC 4648 §3.5), so a token cannot be re-spelled and still pass.
 */
function isCanonical(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = BASE64URL.indexOf(segment[segment.length - 1] as string);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

const JOSE_CODES: Readonly<Record<string, ResourceErrorCode>> = {
  ERR_JWT_EXPIRED: 'ERR_TOKEN_EXPIRED',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'ERR_TOKEN_CLAIM',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'ERR_TOKEN_SIGNATURE',
  ERR_JOSE_ALG_NOT_ALLOWED: 'ERR_TOKEN_ALGORITHM',
  ERR_JOSE_NOT_SUPPORTED: 'ERR_TOKEN_UNSUPPORTED',
  ERR_JWS_INVALID: 'ERR_TOKEN_MALFORMED',
  ERR_JWT_INVALID: 'ERR_TOKEN_MALFORMED',
};

/** Maps a `jose` failure to an `invalid_token` error that keeps it as `cause`. */
function fromJose(err: unknown): BearerError {
  const joseCode = (err as { code?: unknown } | null)?.code;
  const code = (typeof joseCode === 'string' && JOSE_CODES[joseCode]) || 'ERR_TOKEN_INVALID';
  const claim = (err as { claim?: unknown }).claim;
  return new BearerError(code, typeof claim === 'string' ? { cause: err, claim } : { cause: err });
}

const isHmac = (alg: TokenAlgorithm): boolean => alg.startsWith('HS');

/**
 * Creates the token issuer and verifier. Keys are imported here, once; `issue` and `verify` reuse
 * them on every request. The algorithm allowlist must match the key type, so an HMAC token can never
 * be checked against a public key (algorithm confusion, RFC 8725 §2.1).
 *
 * @throws `TypeError`/`RangeError` at creation for a missing, short or mismatched key.
 *
 * @example
 * ```ts
 * import { createTokens } from 'gatepass';
 *
 * const tokens = createTokens({ secret: process.env.GATEPASS_SECRET!, expiresIn: 1800 });
 * const { token } = await tokens.issue('johndoe', { scopes: ['me'] });
 * const claims = await tokens.verify(token); // { sub: 'johndoe', scope: 'me', iat, exp }
 * ```
 */
export function createTokens(options: TokenOptions): Tokens {
  checkOptionsObject('createTokens', options);
  checkOptionNames('createTokens', options, TOKEN_OPTION_NAMES);
  return buildTokens(options, 'createTokens');
}

const MAKE_A_SECRET = '`npx gatepass secret` prints one';

/**
 * {@link createTokens} for a caller that checked the option names itself; `where` names the function
 * the app called, so start-up errors speak of what the app wrote.
 *
 * @internal
 */
export function buildTokens(options: TokenOptions, where: string): Tokens {
  const algorithm = options.algorithm ?? 'HS256';
  const algorithms = [...(options.algorithms ?? [algorithm])];
  const expiresIn = options.expiresIn ?? 1800;
  const clockTolerance = options.clockTolerance ?? 0;
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const { issuer, typ, isRevoked } = options;
  const hookTimeout = checkTimeout(options.hookTimeout ?? 10_000, where);
  const audience = typeof options.audience === 'string' ? options.audience : options.audience && [...options.audience];
  const newJti =
    options.jti === true ? () => crypto.randomUUID() : typeof options.jti === 'function' ? options.jti : undefined;

  if (algorithms.length === 0) throw new TypeError(`${where}: algorithms must not be empty`);
  if (!Number.isInteger(expiresIn) || expiresIn <= 0) {
    throw new RangeError(`${where}: expiresIn must be a positive whole number of seconds`);
  }
  const hmac = options.secret !== undefined;
  const keyPair = options.privateKey !== undefined || options.publicKey !== undefined;
  if (!hmac && !keyPair) {
    throw new TypeError(
      `${where}: secret is missing — give secret (at least 32 bytes for HS256; ${MAKE_A_SECRET}), ` +
        'or privateKey and publicKey with an asymmetric algorithm',
    );
  }
  if (hmac && keyPair) throw new TypeError(`${where}: give secret or privateKey/publicKey, not both`);
  if (typeof options.secret !== 'string' && options.secret !== undefined && !(options.secret instanceof Uint8Array)) {
    throw new TypeError(`${where}: secret must be a string or a Uint8Array`);
  }
  for (const alg of [algorithm, ...algorithms]) {
    if (!ALGORITHMS.includes(alg)) {
      throw new TypeError(`${where}: algorithm ${JSON.stringify(alg)} is not supported; use one of ${ALGORITHMS.join(', ')}`);
    }
    if (isHmac(alg) !== hmac) {
      throw new TypeError(
        hmac
          ? `${where}: algorithm ${alg} needs privateKey/publicKey, not secret`
          : `${where}: algorithm ${alg} needs secret, not privateKey/publicKey`,
      );
    }
  }

  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (secret !== undefined) {
    const longest = [algorithm, ...algorithms].reduce((a, b) => (Number(b.slice(2)) > Number(a.slice(2)) ? b : a));
    const needed = Number(longest.slice(2)) / 8;
    if (secret.byteLength < needed) {
      throw new RangeError(`${where}: secret must be at least ${needed} bytes for ${longest} (RFC 7518 §3.2); ${MAKE_A_SECRET}`);
    }
  }
  const importKey = (alg: TokenAlgorithm, use: 'sign' | 'verify'): Promise<CryptoKey | KeyObject> => {
    if (secret !== undefined) {
      const hash = { name: 'HMAC', hash: `SHA-${alg.slice(2)}` };
      return crypto.subtle.importKey('raw', secret, hash, false, [use]);
    }
    const key = use === 'sign' ? options.privateKey : options.publicKey;
    if (key === undefined) return Promise.reject(new TypeError(`${where}: no ${use === 'sign' ? 'privateKey' : 'publicKey'} to ${use} with`));
    if (typeof key !== 'string') return Promise.resolve(key);
    return use === 'sign' ? importPKCS8(key, alg) : importSPKI(key, alg);
  };
  const signingKey = importKey(algorithm, 'sign');
  // What jose verifies with, decided once the keys are imported: the key itself when one algorithm is
  // allowed, else a lookup by the token's `alg` (a resolver function costs jose a step per call).
  let verifyKey: CryptoKey | KeyObject | ((header: { alg?: string }) => CryptoKey) | undefined;
  const verifyKeyReady = Promise.all(algorithms.map(async (alg) => [alg, await importKey(alg, 'verify')] as const)).then(
    (entries) => {
      const keys = new Map<string, CryptoKey | KeyObject>(entries);
      verifyKey = keys.size === 1 ? entries[0]![1] : (header) => keys.get(header.alg ?? '') as CryptoKey;
    },
  );
  // A bad key surfaces on first use (as itself, not as a 401); keep it from being reported as unhandled at setup.
  signingKey.catch(() => {});
  verifyKeyReady.catch(() => {});
  const verifyOptions = {
    algorithms,
    clockTolerance,
    requiredClaims: options.requireExpiry === false ? ['sub'] : ['sub', 'exp'],
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    ...(typ === undefined ? {} : { typ }),
  };

  return {
    async issue(subject, issue = {}) {
      if (typeof subject !== 'string' || subject === '') throw new TypeError('issue: subject must be a non-empty string');
      const lifetime = issue.expiresIn ?? expiresIn;
      const scopes = [...(issue.scopes ?? [])];
      const now = Math.floor(Date.now() / 1000);
      const extra = Object.fromEntries(Object.entries(issue.claims ?? {}).filter(([name]) => !REGISTERED.includes(name)));
      const claims: AccessTokenClaims = { ...extra, sub: subject, iat: now, exp: now + lifetime };
      if (scopes.length > 0) claims.scope = scopes.join(' ');
      if (issuer !== undefined) claims.iss = issuer;
      if (audience !== undefined) claims.aud = audience;
      if (newJti !== undefined) claims.jti = newJti();
      const header = typ === undefined ? { alg: algorithm } : { alg: algorithm, typ };
      const token = await new SignJWT(claims).setProtectedHeader(header).sign(await signingKey);
      return { token, claims, expiresIn: lifetime, scopes };
    },

    async verify(token) {
      if (typeof token !== 'string') throw new BearerError('ERR_TOKEN_MALFORMED');
      if (token.length > maxTokenLength) throw new BearerError('ERR_TOKEN_TOO_LARGE');
      const segments = COMPACT_JWS.exec(token);
      if (segments === null || !segments.slice(1).every(isCanonical)) throw new BearerError('ERR_TOKEN_MALFORMED');

      if (verifyKey === undefined) await verifyKeyReady;
      let payload: JWTPayload;
      try {
        // A key or a key lookup: jose takes either (the cast only picks one of its overloads).
        ({ payload } = await jwtVerify(token, verifyKey as CryptoKey, verifyOptions));
      } catch (err) {
        throw fromJose(err);
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new BearerError('ERR_TOKEN_CLAIM', { claim: 'sub' });
      if (payload.scope !== undefined && typeof payload.scope !== 'string') {
        throw new BearerError('ERR_TOKEN_CLAIM', { claim: 'scope' });
      }
      // JSON reads `1e999` as Infinity, which jose takes for a number: an `exp` that never comes.
      for (const claim of TIME_CLAIMS) {
        if (payload[claim] !== undefined && !Number.isFinite(payload[claim])) throw new BearerError('ERR_TOKEN_CLAIM', { claim });
      }
      // jose checks `iat` only against maxTokenAge; a token issued in the future is refused here.
      if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + clockTolerance) {
        throw new BearerError('ERR_TOKEN_CLAIM', { claim: 'iat' });
      }
      const claims = payload as AccessTokenClaims;
      if (isRevoked !== undefined) {
        const revoked = await callHook(() => isRevoked(claims), hookTimeout).catch((err: AuthError) => {
          throw asEndpointError(err, BearerError);
        });
        if (revoked) throw new BearerError('ERR_TOKEN_REVOKED');
      }
      return claims;
    },
  };
}

/** The token endpoint's success body (RFC 6749 §5.1). */
export interface TokenResponseBody {
  /** The access token. */
  access_token: string;
  /** Always `bearer` (RFC 6750). */
  token_type: 'bearer';
  /** Lifetime in seconds. */
  expires_in: number;
  /** Present when scopes were granted or the grant differs from the request (RFC 6749 §3.3). */
  scope?: string;
}

/** The token endpoint's complete success answer. */
export interface TokenResponse {
  /** Always 200. */
  status: 200;
  /** RFC 6749 §5.1: responses with tokens are never cached. */
  headers: TokenResponseHeaders;
  /** The JSON body. */
  body: TokenResponseBody;
}

/** The headers RFC 6749 §5.1 requires on a token response. */
// A type alias, not an interface: it then fits where a `Record<string, string>` (a `HeadersInit`) is expected.
export type TokenResponseHeaders = {
  /** `no-store`: no cache may keep the token. */
  readonly 'Cache-Control': 'no-store';
  /** `no-cache`, for HTTP/1.0 caches. */
  readonly Pragma: 'no-cache';
};

/**
 * Builds the token endpoint's 200 answer (RFC 6749 §5.1): the body, and `Cache-Control: no-store`
 * with `Pragma: no-cache` so no cache keeps the token.
 *
 * @param requested - the scopes the client asked for; `scope` is included whenever the grant differs.
 *
 * @example
 * ```ts
 * import { createTokens, tokenResponse } from 'gatepass';
 *
 * const tokens = createTokens({ secret: process.env.GATEPASS_SECRET! });
 * const answer = tokenResponse(await tokens.issue('johndoe', { scopes: ['me'] }), ['me', 'items']);
 * answer.body; // { access_token: 'eyJ…', token_type: 'bearer', expires_in: 1800, scope: 'me' }
 * ```
 */
export function tokenResponse(issued: IssuedToken, requested: readonly string[] = issued.scopes): TokenResponse {
  const body: TokenResponseBody = { access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn };
  const differs = requested.length !== issued.scopes.length || requested.some((scope) => !issued.scopes.includes(scope));
  if (issued.scopes.length > 0 || differs) body.scope = issued.scopes.join(' ');
  return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body };
}
