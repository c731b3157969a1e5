/**
 * Trusted issuers: another service or an identity provider whose tokens are verified against its
 * published keys, each with its own audience and algorithms.
 *
 * @module
 */
import { jwtVerify, type JWTPayload } from 'jose';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from './algorithms.js';
import { keySourceUrl } from '../lib/http-url.js';
import { discoverJwksUri } from './discovery.js';
import { createRemoteKeySet, remoteLimits, REMOTE_KEY_SET_OPTION_NAMES, type RemoteKeySetOptions } from './remote-key-set.js';

/**
 * An issuer whose tokens are accepted, verified against its JWKS: `jwksUri` when given, else the
 * `jwks_uri` of its OpenID Connect discovery document (`{issuer}/.well-known/openid-configuration`).
 */
export interface TrustedIssuer extends RemoteKeySetOptions {
  /**
   * The `iss` its tokens carry, exactly (e.g. `https://tenant.eu.auth0.com/`, with Auth0's trailing
   * slash), or the spellings it may use. Required. Discovery reads the first one's document.
   */
  issuer: string | readonly string[];
  /** The `aud` its tokens must carry for this API (any of them, when several). Required. */
  audience: string | readonly string[];
  /** The JWKS URL: https, or http on a loopback host. Default: discovered from `issuer`. */
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
  /** The spellings of its `iss`. */
  readonly issuers: readonly string[];
  readonly algorithms: readonly string[];
  /** Verifies a token of this issuer: signature against its keys, `iss`, `aud`, `typ`, time claims. */
  verify(token: string): Promise<JWTPayload>;
}

/** Checks a trusted issuer at start-up: `issuer` and `audience` are required, for a key from afar vouches for nothing else. */
export function trustIssuer(
  options: TrustedIssuer,
  shared: { clockTolerance: number; requiredClaims: string[] },
  where: string,
): IssuerVerifier {
  checkOptionsObject(where, options);
  checkOptionNames(where, options, TRUSTED_ISSUER_NAMES);
  const { typ } = options;
  const issuers = typeof options.issuer === 'string' ? [options.issuer] : Array.isArray(options.issuer) ? [...(options.issuer as string[])] : [];
  if (issuers.length === 0 || !issuers.every((issuer) => typeof issuer === 'string' && issuer !== '')) {
    throw new TypeError(`${where}: issuer is missing — tokens verified against remote keys must name their issuer`);
  }
  if (options.jwksUri === undefined && keySourceUrl(issuers[0]) === undefined) {
    throw new TypeError(`${where}: issuer must be an https URL (http only on loopback) to discover its keys, or give jwksUri`);
  }
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
  let jwksUri = discoverJwksUri(issuers, limits);
  if (options.jwksUri !== undefined) {
    const url = keySourceUrl(options.jwksUri);
    if (url === undefined) throw new TypeError(`${where}: jwksUri must be an https URL (http only on loopback)`);
    jwksUri = async () => url;
  }
  const keys = createRemoteKeySet(jwksUri, limits);
  const verifyOptions = { ...shared, issuer: issuers, audience, algorithms, ...(typ === undefined ? {} : { typ }) };

  return {
    issuers,
    algorithms,
    async verify(token) {
      return (await jwtVerify(token, keys, verifyOptions)).payload;
    },
  };
}
