/**
 * Trusted issuers: another service or an identity provider whose tokens are verified against its
 * published keys, each with its own audience and algorithms.
 *
 * @module
 */
import { jwtVerify, type JWTPayload } from 'jose';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from './algorithms.js';
import { discoverJwksUri } from './discovery.js';
import { createRemoteKeySet, remoteLimits, REMOTE_KEY_SET_OPTION_NAMES, type RemoteKeySetOptions } from './remote-key-set.js';

/**
 * An issuer whose tokens are accepted, verified against its JWKS: `jwksUri` when given, else the
 * `jwks_uri` of its OpenID Connect discovery document (`{issuer}/.well-known/openid-configuration`).
 */
export interface TrustedIssuer extends RemoteKeySetOptions {
  /** The `iss` its tokens carry, exactly (e.g. `https://tenant.eu.auth0.com/`). Required. */
  issuer: string;
  /** The `aud` its tokens must carry for this API (any of them, when several). Required. */
  audience: string | readonly string[];
  /** The JWKS URL. Default: discovered from `issuer`. */
  jwksUri?: string;
  /** The algorithms its tokens may carry. Default: every public-key algorithm; never an HMAC one. */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** The JOSE `typ` its tokens must carry, e.g. `'at+jwt'` for RFC 9068 access tokens. */
  typ?: string;
}

/** Every {@link TrustedIssuer} name. */
const TRUSTED_ISSUER_NAMES = {
  ...REMOTE_KEY_SET_OPTION_NAMES,
  issuer: true,
  audience: true,
  jwksUri: true,
  algorithms: true,
  typ: true,
} as const satisfies Record<keyof TrustedIssuer, true>;

/** A trusted issuer ready to verify. */
export interface IssuerVerifier {
  readonly issuer: string;
  readonly algorithms: readonly string[];
  /** Verifies a token of this issuer: signature against its keys, `iss`, `aud`, `typ`, time claims. */
  verify(token: string): Promise<JWTPayload>;
  /** How many times its JWKS was fetched. */
  readonly fetches: number;
}

function absoluteUrl(value: unknown, what: string): URL {
  try {
    const url = new URL(value as string);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // Answered below.
  }
  throw new TypeError(`${what} must be an absolute http(s) URL`);
}

/** Checks a trusted issuer at start-up: `issuer` and `audience` are required, for a key from afar vouches for nothing else. */
export function trustIssuer(
  options: TrustedIssuer,
  shared: { clockTolerance: number; requiredClaims: string[] },
  where: string,
): IssuerVerifier {
  checkOptionsObject(where, options);
  checkOptionNames(where, options, TRUSTED_ISSUER_NAMES);
  const { issuer, typ } = options;
  if (typeof issuer !== 'string' || issuer === '') {
    throw new TypeError(`${where}: issuer is missing — tokens verified against remote keys must name their issuer`);
  }
  absoluteUrl(issuer, `${where}: issuer`);
  const audience = typeof options.audience === 'string' ? options.audience : options.audience && [...options.audience];
  if (audience === undefined || audience.length === 0 || (Array.isArray(audience) && !audience.every((a) => typeof a === 'string' && a !== ''))) {
    throw new TypeError(`${where}: audience is missing — tokens verified against remote keys must be meant for this API`);
  }
  const algorithms = [...(options.algorithms ?? ASYMMETRIC_ALGORITHMS)];
  const refused = algorithms.filter((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new TypeError(`${where}: algorithms must be public-key algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')})`);
  }
  if (typ !== undefined && (typeof typ !== 'string' || typ === '')) throw new TypeError(`${where}: typ must be a non-empty string`);
  const limits = remoteLimits(options, where);
  const jwksUri =
    options.jwksUri === undefined
      ? discoverJwksUri(issuer, limits)
      : ((url) => async () => url)(absoluteUrl(options.jwksUri, `${where}: jwksUri`));
  const keys = createRemoteKeySet(jwksUri, limits);
  const verifyOptions = { ...shared, issuer, audience, algorithms, ...(typ === undefined ? {} : { typ }) };

  return {
    issuer,
    algorithms,
    get fetches() {
      return keys.fetches;
    },
    async verify(token) {
      return (await jwtVerify(token, keys, verifyOptions)).payload;
    },
  };
}
