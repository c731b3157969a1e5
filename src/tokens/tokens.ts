/**
 * Access tokens: JWTs issued and verified with `jose` (RFC 7519, RFC 8725), signed by the newest key
 * of a key set, verified by `kid` against that set or against a trusted issuer's published keys.
 *
 * @module
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { AuthError, BearerError } from '../errors/auth-error.js';
import type { ResourceErrorCode } from '../errors/codes.js';
import { asEndpointError } from '../errors/endpoint.js';
import { callHook, callStore, checkTimeout } from '../lib/hooks.js';
import { andThen, orElse, type MaybePromise } from '../lib/maybe-promise.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { ALGORITHMS, isAlgorithm, type TokenAlgorithm } from './algorithms.js';
import { isCompactJws } from './compact-jws.js';
import { createKeySet, type KeySet, type ManagedKeySet } from './key-set.js';
import { createNodeVerifier } from './node-verifier.js';
import { createMemoryRevocationStore, type RevocationStore } from './revocation-store.js';
import { checkKeySpec, KEY_SPEC_NAMES, MAKE_A_SECRET, type KeyInput, type KeySpec } from './signing-key.js';
import { tokenId } from './token-id.js';
import { trustIssuer, type IssuerVerifier, type TrustedIssuer } from './trusted-issuer.js';
import { createVerifiedCache, type VerifiedTokenCacheOptions } from './verified-cache.js';

export type { TokenAlgorithm } from './algorithms.js';

/** The claims of a verified access token. `sub` is always a non-empty string. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  /** Space-separated granted scopes (RFC 8693 §4.2), when any were granted. */
  scope?: string;
}

/**
 * How tokens are signed and verified. Give one key (`secret` for HMAC, or `privateKey`/`publicKey`),
 * or `keys` for several, or only `trustedIssuers` for an API that verifies tokens it does not issue.
 */
export interface TokenOptions {
  /** The HMAC key for `HS*`: a string is used as its UTF-8 bytes. At least as long as the hash (32 bytes for HS256). */
  secret?: string | Uint8Array;
  /** The key that signs tokens with an asymmetric algorithm. */
  privateKey?: KeyInput;
  /** The key that verifies tokens signed with an asymmetric algorithm. */
  publicKey?: KeyInput;
  /**
   * Several keys, newest first: the first that can sign signs, every one verifies the tokens that
   * name its `kid`. Rotate at run time through {@link Tokens.keys}.
   */
  keys?: readonly KeySpec[];
  /**
   * Issuers whose tokens are accepted too, each verified against its own JWKS (fetched from
   * `jwksUri` or found by OpenID Connect discovery), with its own `iss`, `aud` and algorithms.
   */
  trustedIssuers?: readonly TrustedIssuer[];
  /** The algorithm tokens are issued with. Default `HS256`; with `keys`, each key's own `alg`. */
  algorithm?: TokenAlgorithm;
  /**
   * The algorithms a token may carry to be verified (RFC 8725 §3.1): with one key, `[algorithm]`
   * by default; with `keys`, each key verifies only its own `alg`, within this list when given.
   */
  algorithms?: readonly TokenAlgorithm[];
  /** Lifetime of issued tokens in seconds. Default 1800 (FastAPI's 30 minutes). */
  expiresIn?: number;
  /** Sets `iss` on issue and requires it on verify of this app's own tokens (a trusted issuer's have its own). */
  issuer?: string;
  /** Sets `aud` on issue and requires it on verify of this app's own tokens (any of them, when several). */
  audience?: string | readonly string[];
  /** Sets the JOSE `typ` header on issue and requires it on verify of this app's own tokens, e.g. `'at+jwt'` (RFC 9068). */
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
  /**
   * Where revoked tokens are kept ({@link Tokens.revoke}, the adapters' `logoutEndpoint`), asked on
   * every verification. Default: in this process's memory ({@link createMemoryRevocationStore}); give
   * {@link createRedisRevocationStore} to share revocations between instances. A store that fails or
   * does not answer within `hookTimeout` fails the request with `ERR_STORE_UNAVAILABLE` (503).
   */
  revocations?: RevocationStore;
  /** Milliseconds an app hook (`isRevoked`, and the engine's hooks) may take before the request fails with 503. Default 10000. */
  hookTimeout?: number;
  /**
   * Remembers the tokens the app's own keys verified, so that a token sent again (as a client sends
   * its token with every request) is not verified again: kept from its second verification on, within
   * `maxBytes` (default 4 MiB), never used past its `exp` or before its `nbf`, and forgotten whenever
   * the key set changes. Its `sub`, `scope` and `iat`, revocations and `isRevoked` are still checked on
   * every request; a trusted issuer's tokens are verified every time. With the cache, the claims of the
   * app's own tokens are frozen, the same object for every request with one token. `false` turns it off.
   */
  verifiedTokenCache?: VerifiedTokenCacheOptions | false;
}

/** Every {@link TokenOptions} name, for refusing misspelled ones. */
export const TOKEN_OPTION_NAMES = {
  secret: true,
  privateKey: true,
  publicKey: true,
  keys: true,
  trustedIssuers: true,
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
  revocations: true,
  hookTimeout: true,
  verifiedTokenCache: true,
} as const satisfies Record<keyof TokenOptions, true>;

/** What to put in an issued token besides the registered claims. */
export interface IssueOptions {
  /** Granted scopes, written as the space-separated `scope` claim when not empty. */
  scopes?: readonly string[];
  /** Extra claims. Registered claims (`sub`, `exp`, `iat`, `iss`, `aud`, `jti`, `scope`, `sid`) are gatepass's to set. */
  claims?: Readonly<Record<string, unknown>>;
  /** Overrides the lifetime for this token, in seconds. */
  expiresIn?: number;
  /**
   * The login this token belongs to, written as `sid`: {@link Tokens.revokeSession} revokes every
   * token of it at once (the engine's refresh token families use it).
   */
  session?: string;
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

/** Issues and verifies access tokens; each key is imported once, when it joins the key set. */
export interface Tokens {
  /** The signing and verification keys, for rotation at run time and for publishing the JWKS. */
  readonly keys: KeySet;
  /**
   * Signs an access token for `subject`.
   *
   * @throws `TypeError` when `subject` is not a non-empty string.
   */
  issue(subject: string, options?: IssueOptions): Promise<IssuedToken>;
  /**
   * Verifies a token and returns its claims.
   *
   * @throws {@link BearerError} with an `invalid_token` code; jose's error is its `cause`. A
   * trusted issuer whose keys cannot be fetched is `ERR_KEYS_UNAVAILABLE` (503): never a pass, and
   * never a 401 that blames the client.
   */
  verify(token: string): Promise<AccessTokenClaims>;
  /**
   * Checks a token's signature and claims, and revokes it until it expires: every later verification,
   * by this instance or any other sharing the revocation store, refuses it with `ERR_TOKEN_REVOKED`.
   * Revoking a token again is no error: it stays revoked.
   *
   * @throws {@link BearerError} as {@link Tokens.verify} does for a token it would refuse otherwise;
   * `ERR_STORE_UNAVAILABLE` (503) when the store fails.
   */
  revoke(token: string): Promise<AccessTokenClaims>;
  /**
   * Revokes every token of this app whose `sid` is `session` (issued with {@link IssueOptions.session}),
   * until the longest-lived one this process has issued for a session could have expired. Tokens of a
   * trusted issuer with the same `sid` are not affected: a session is its issuer's.
   */
  revokeSession(session: string): Promise<void>;
  /** Whether {@link Tokens.revokeSession} ended `session` (here or on any instance sharing the store). */
  isSessionRevoked(session: string): Promise<boolean>;
  /**
   * Refuses a token that another verifier accepted (a scheme's own, such as `openIdConnect`'s) when
   * it, or its issuer's session `sid`, was revoked: the check {@link Tokens.verify} makes last.
   *
   * @throws {@link BearerError} `ERR_TOKEN_REVOKED`; `ERR_STORE_UNAVAILABLE` (503) when the store fails.
   */
  refuseRevoked(token: string, claims: AccessTokenClaims): Promise<void>;
}

const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;
const REGISTERED = ['sub', 'exp', 'iat', 'nbf', 'iss', 'aud', 'jti', 'scope', 'sid'];

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
function fromJose(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  const joseCode = (err as { code?: unknown } | null)?.code;
  const code = (typeof joseCode === 'string' && JOSE_CODES[joseCode]) || 'ERR_TOKEN_INVALID';
  const claim = (err as { claim?: unknown }).claim;
  return new BearerError(code, typeof claim === 'string' ? { cause: err, claim } : { cause: err });
}

/**
 * Creates the token issuer and verifier. Keys are imported here, once; `issue` and `verify` reuse
 * them on every request. The algorithm allowlist must match the key type, so an HMAC token can never
 * be checked against a public key (algorithm confusion, RFC 8725 §2.1).
 *
 * @throws `TypeError`/`RangeError` at creation for a missing or short key, or one of the wrong kind for
 * its algorithm; a key pair that does not match is found when the keys are imported (`tokens.keys.ready`
 * rejects, and verification fails with that error rather than a 401).
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
  return buildTokens(options, 'createTokens').tokens;
}

/** Tokens as gatepass's own modules use them. @internal */
export interface BuiltTokens {
  readonly tokens: Tokens;
  /**
   * {@link Tokens.verify}, answered at once when every check could be (a token verified before, or
   * with `node:crypto`, and nothing in the revocation store to ask): a protected request then needs no
   * promise. A check that must wait (jose, a store, the `isRevoked` hook) makes it a promise.
   */
  readonly verifyNow: (token: string) => MaybePromise<AccessTokenClaims>;
}

/**
 * {@link createTokens} for a caller that checked the option names itself; `where` names the function
 * the app called, so start-up errors speak of what the app wrote. `verifier: 'jose'` verifies the
 * app's own tokens with jose even where `node:crypto` could (for tests that compare the two).
 *
 * @internal
 */
export function buildTokens(options: TokenOptions, where: string, verifier: 'node' | 'jose' = 'node'): BuiltTokens {
  const expiresIn = options.expiresIn ?? 1800;
  const clockTolerance = options.clockTolerance ?? 0;
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const { issuer, typ, isRevoked } = options;
  const revocations = options.revocations ?? createMemoryRevocationStore();
  if (typeof revocations?.revoke !== 'function' || typeof revocations.isRevoked !== 'function') {
    throw new TypeError(`${where}: revocations must be a revocation store (createMemoryRevocationStore(), createRedisRevocationStore())`);
  }
  const hookTimeout = checkTimeout(options.hookTimeout ?? 10_000, where);
  const audience = typeof options.audience === 'string' ? options.audience : options.audience && [...options.audience];
  const newJti =
    options.jti === true ? () => crypto.randomUUID() : typeof options.jti === 'function' ? options.jti : undefined;

  if (!Number.isInteger(expiresIn) || expiresIn <= 0) {
    throw new RangeError(`${where}: expiresIn must be a positive whole number of seconds`);
  }
  for (const alg of [...(options.algorithm === undefined ? [] : [options.algorithm]), ...(options.algorithms ?? [])]) {
    if (!isAlgorithm(alg)) {
      throw new TypeError(`${where}: algorithm ${JSON.stringify(alg)} is not supported; use one of ${ALGORITHMS.join(', ')}`);
    }
  }
  if (options.algorithms !== undefined && options.algorithms.length === 0) throw new TypeError(`${where}: algorithms must not be empty`);
  const specs = keySpecs(options, where);
  const requiredClaims = options.requireExpiry === false ? ['sub'] : ['sub', 'exp'];
  const trusted = trustedIssuers(options.trustedIssuers, { clockTolerance, requiredClaims }, where);
  const keys: ManagedKeySet = createKeySet(specs, {
    algorithm: options.algorithm,
    algorithms: options.algorithms,
    lifetimes: { expiresIn, clockTolerance },
    where,
    listed: options.keys !== undefined,
  });
  // The longest lifetime of a token issued for a session here: how long revoking a session must last.
  let sessionLifetime = expiresIn;
  let keysImported = false;
  keys.ready.then(
    () => (keysImported = true),
    () => {},
  );
  // The algorithms a local key may verify: its own, within `algorithms` when given.
  const allowed = options.algorithms === undefined ? undefined : new Set<string>(options.algorithms);
  const localOptions = {
    clockTolerance,
    requiredClaims,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    ...(typ === undefined ? {} : { typ }),
  };
  const node = verifier === 'node' ? createNodeVerifier(localOptions) : undefined;
  const verified = createVerifiedCache(options.verifiedTokenCache, { clockTolerance, version: () => keys.version, where });

  /**
   * Verifies against the key set or a trusted issuer. The token's `iss` decides first: a trusted
   * issuer's tokens are checked against that issuer's keys only (unless it is this app's own `issuer`,
   * whose keys come first), so no key of the app's own set can vouch for another issuer. Then its
   * `kid` and `alg` pick the key, which must be of that algorithm.
   */
  function verifySignedToken(token: string): MaybePromise<JWTPayload> {
    let header: ProtectedHeaderParameters;
    let iss: unknown;
    try {
      header = node?.header(token) ?? decodeProtectedHeader(token);
      if (trusted.length > 0) iss = decodeJwt(token).iss;
    } catch (cause) {
      throw new BearerError('ERR_TOKEN_MALFORMED', { cause });
    }
    const { alg, kid } = header;
    // A header without a string `alg` is not a JWS (RFC 7515 §4.1.1), nor one with a `kid` that is not a string (§4.1.4).
    if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) throw new BearerError('ERR_TOKEN_MALFORMED');
    if (!isAlgorithm(alg)) throw new BearerError('ERR_TOKEN_ALGORITHM');
    const from = trusted.find((candidate) => candidate.issuers.includes(iss as string));
    // An algorithm no key verifies, or outside `algorithms`, is refused before any key is looked up:
    // an HMAC token never meets a public key (RFC 8725 §2.1).
    const localAlg = (from === undefined || iss === issuer) && (allowed === undefined || allowed.has(alg)) && keys.verifies(alg);
    if (localAlg) {
      const version = verified === undefined ? 0 : keys.version;
      const local = keys.match(kid, alg);
      if ('key' in local) {
        const payload = node?.verify(token, header, local.key) ?? jwtVerify(token, local.key.verifyKey, { ...localOptions, algorithms: [local.key.alg] }).then((result) => result.payload);
        return verified === undefined ? payload : andThen(payload, (checked) => verified.keep(token, checked, version));
      }
      if ('wrongAlgorithm' in local) throw new BearerError('ERR_TOKEN_ALGORITHM');
    }
    if (from !== undefined) {
      if (!from.algorithms.includes(alg)) throw new BearerError('ERR_TOKEN_ALGORITHM');
      return from.verify(token);
    }
    if (localAlg) throw new BearerError('ERR_TOKEN_KEY_UNKNOWN');
    // An algorithm a trusted issuer signs with, from an issuer that is not trusted: the `iss` is at fault.
    if (trusted.some((candidate) => candidate.algorithms.includes(alg))) throw new BearerError('ERR_TOKEN_CLAIM', { claim: 'iss' });
    throw new BearerError('ERR_TOKEN_ALGORITHM');
  }

  /**
   * Everything {@link Tokens.verify} checks but revocation: the token's form, signature and claims. A
   * refusal is thrown at once when it could be decided at once.
   */
  function verifySignature(token: string): MaybePromise<AccessTokenClaims> {
    if (typeof token !== 'string') throw new BearerError('ERR_TOKEN_MALFORMED');
    if (token.length > maxTokenLength) throw new BearerError('ERR_TOKEN_TOO_LARGE');
    // A token the app's own keys verified before: its shape, signature and jose's claim checks still hold.
    const known = verified?.get(token);
    if (known !== undefined) return checkClaims(known);
    if (!isCompactJws(token)) throw new BearerError('ERR_TOKEN_MALFORMED');
    // A key that cannot be imported fails here as itself (a 500 for the app to see), never as the client's 401.
    if (!keysImported) return keys.ready.then(() => verifySignature(token));
    const payload = orElse(
      () => verifySignedToken(token),
      (err): never => {
        throw fromJose(err);
      },
    );
    return andThen(payload, checkClaims);
  }

  /** gatepass's own claim checks, on top of jose's. */
  function checkClaims(payload: JWTPayload): AccessTokenClaims {
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
    return payload as AccessTokenClaims;
  }

  /** {@link BuiltTokens.verifyNow}: the signature and claims, then revocation. */
  function verifyNow(token: string): MaybePromise<AccessTokenClaims> {
    return andThen(verifySignature(token), (claims) => (revocations.empty === true && isRevoked === undefined ? claims : checkRevocation(token, claims)));
  }

  async function checkRevocation(token: string, claims: AccessTokenClaims): Promise<AccessTokenClaims> {
    await tokens.refuseRevoked(token, claims);
    if (isRevoked !== undefined) {
      const revoked = await asBearer(callHook(() => isRevoked(claims), hookTimeout));
      if (revoked) throw new BearerError('ERR_TOKEN_REVOKED');
    }
    return claims;
  }

  /** A store call: a failure or no answer in time is the protected route's 503, never a pass. */
  const asBearer = <T>(call: Promise<T>): Promise<T> =>
    call.catch((err: AuthError) => {
      throw asEndpointError(err, BearerError);
    });
  const onStore = <T>(operation: () => Promise<T>): Promise<T> => asBearer(callStore(operation, hookTimeout));

  /** Whether the store holds any of `ids`. It must answer `true` or `false`: anything else fails closed. */
  const isAnyRevoked = (ids: readonly string[]): Promise<boolean> =>
    onStore(async () => {
      const answers = await Promise.all(ids.map((id) => revocations.isRevoked(id)));
      if (answers.some((answer) => typeof answer !== 'boolean')) throw new TypeError('a revocation store answered isRevoked with something else than true or false');
      return answers.includes(true);
    });

  const tokens: Tokens = {
    keys,

    async issue(subject, issue = {}) {
      if (typeof subject !== 'string' || subject === '') throw new TypeError('issue: subject must be a non-empty string');
      const signer = await keys.signer();
      const lifetime = issue.expiresIn ?? expiresIn;
      const scopes = [...(issue.scopes ?? [])];
      const now = Math.floor(Date.now() / 1000);
      const extra = Object.fromEntries(Object.entries(issue.claims ?? {}).filter(([name]) => !REGISTERED.includes(name)));
      const claims: AccessTokenClaims = { ...extra, sub: subject, iat: now, exp: now + lifetime };
      if (scopes.length > 0) claims.scope = scopes.join(' ');
      if (issuer !== undefined) claims.iss = issuer;
      if (audience !== undefined) claims.aud = audience;
      if (newJti !== undefined) claims.jti = newJti();
      if (issue.session !== undefined) {
        claims.sid = issue.session;
        sessionLifetime = Math.max(sessionLifetime, lifetime);
      }
      const header = { alg: signer.alg, kid: signer.kid, ...(typ === undefined ? {} : { typ }) };
      keys.signed(signer, claims.exp!);
      const token = await new SignJWT(claims).setProtectedHeader(header).sign(signer.signKey!);
      return { token, claims, expiresIn: lifetime, scopes };
    },

    async verify(token) {
      return verifyNow(token);
    },

    async revoke(token) {
      const claims = await verifySignature(token);
      // A token without `exp` (requireExpiry: false) stays revoked for as long as a store keeps anything.
      const until = claims.exp ?? Math.floor(Date.now() / 1000) + 10 * 365 * 86400;
      const id = await tokenId(token);
      await onStore(() => revocations.revoke(id, until));
      return claims;
    },

    async revokeSession(session) {
      const until = Math.floor(Date.now() / 1000) + sessionLifetime + clockTolerance;
      await onStore(() => revocations.revoke(sessionKey(issuer, session), until));
    },

    isSessionRevoked: (session) => isAnyRevoked([sessionKey(issuer, session)]),

    async refuseRevoked(token, claims) {
      if (revocations.empty === true) return;
      // The token itself, and the login it belongs to (a logout or a reused refresh token ends it).
      const ids = [await tokenId(token), ...(typeof claims.sid === 'string' ? [sessionKey(claims.iss, claims.sid)] : [])];
      if (await isAnyRevoked(ids)) throw new BearerError('ERR_TOKEN_REVOKED');
    },
  };
  return { tokens, verifyNow };
}

/** A login's key in the revocation store, apart from any token's: a session is its issuer's. */
const sessionKey = (issuer: unknown, session: string): string => `sid:${typeof issuer === 'string' ? issuer : ''}:${session}`;

const MAKE_A_SECRET_HINT = `at least 32 bytes for HS256; ${MAKE_A_SECRET}`;

/**
 * The key specs the options describe: `keys` as given, or the one key of `secret` or
 * `privateKey`/`publicKey`, once for each allowed algorithm (the issuing one first).
 */
function keySpecs(options: TokenOptions, where: string): KeySpec[] {
  const { secret, privateKey, publicKey, keys } = options;
  const single = secret !== undefined || privateKey !== undefined || publicKey !== undefined;
  if (keys !== undefined) {
    if (single) throw new TypeError(`${where}: give keys, or secret or privateKey/publicKey, not both`);
    if (!Array.isArray(keys) || (keys.length === 0 && options.trustedIssuers === undefined)) {
      throw new TypeError(`${where}: keys must be a non-empty array of keys`);
    }
    return keys.map((spec, i) => {
      checkOptionsObject(`${where}: keys[${i}]`, spec);
      checkOptionNames(`${where}: keys[${i}]`, spec, KEY_SPEC_NAMES);
      return { ...spec };
    });
  }
  if (!single) {
    if (options.trustedIssuers !== undefined) return [];
    throw new TypeError(
      `${where}: secret is missing — give secret (${MAKE_A_SECRET_HINT}), or privateKey and publicKey with an asymmetric algorithm, ` +
        'or keys, or trustedIssuers for an API that only verifies',
    );
  }
  const algorithm = options.algorithm ?? 'HS256';
  const algorithms = [...new Set([algorithm, ...(options.algorithms ?? [])])];
  const key: KeySpec = secret !== undefined ? { secret } : { ...(privateKey === undefined ? {} : { privateKey }), ...(publicKey === undefined ? {} : { publicKey }) };
  // The longest hash first, so that a short secret is reported for the algorithm that needs most.
  const bySize = secret === undefined ? algorithms : [...algorithms].sort((a, b) => Number(b.slice(2)) - Number(a.slice(2)));
  for (const alg of bySize) checkKeySpec({ ...key, alg }, alg, where);
  return (secret === undefined ? algorithms : [algorithm, ...bySize.filter((alg) => alg !== algorithm)]).map((alg) => ({ ...key, alg }));
}

function trustedIssuers(
  list: readonly TrustedIssuer[] | undefined,
  shared: { clockTolerance: number; requiredClaims: string[] },
  where: string,
): IssuerVerifier[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError(`${where}: trustedIssuers must be an array`);
  const verifiers = list.map((trusted, i) => trustIssuer(trusted, shared, `${where}: trustedIssuers[${i}]`));
  const issuers = verifiers.flatMap((verifier) => verifier.issuers);
  const twice = issuers.find((issuer, i) => issuers.indexOf(issuer) !== i);
  if (twice !== undefined) throw new TypeError(`${where}: trustedIssuers lists ${twice} twice`);
  return verifiers;
}
