/**
 * OpenID Connect (FastAPI's `OpenIdConnect`): bearer tokens from an identity provider, declared with
 * its discovery URL so that OpenAPI's *Authorize* dialog can log in there. gatepass verifies them
 * against the provider's published keys (found through that discovery document), or the app does with
 * its own hook.
 *
 * @module
 */
import type { OpenApiObject } from '../openapi.js';
import { BearerError } from '../errors/auth-error.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { scopesOfClaims } from '../scopes.js';
import type { AsymmetricAlgorithm } from '../tokens/algorithms.js';
import { discoveryUrl } from '../tokens/discovery.js';
import { REMOTE_KEY_SET_OPTION_NAMES, type RemoteKeySetOptions } from '../tokens/remote-key-set.js';
import { buildTokens, type AccessTokenClaims } from '../tokens/tokens.js';
import { hookedBearer } from './http-bearer.js';
import { checkSchemeName, maxLengthOf, type Scheme, type SecurityContext, type VerifyHook } from './scheme.js';

/**
 * Options of {@link openIdConnect}. Give `audience` and `resolveUser` for gatepass to verify the
 * provider's tokens, or `verify` to verify them yourself.
 */
export interface OpenIdConnectOptions<User> extends RemoteKeySetOptions {
  /** The provider's discovery document: `https://issuer.example/.well-known/openid-configuration`. */
  openIdConnectUrl: string;
  /** The `aud` the provider's tokens carry for this API (any of them, when several). */
  audience?: string | readonly string[];
  /**
   * The provider's `iss`. Default: `openIdConnectUrl` without `/.well-known/openid-configuration`,
   * with or without a trailing slash (Auth0's issuers end in one); the discovery document must name it.
   */
  issuer?: string | readonly string[];
  /** The algorithms its tokens may carry. Default: every public-key algorithm; never an HMAC one. */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** The JOSE `typ` its tokens must carry, e.g. `'at+jwt'` for RFC 9068 access tokens. */
  typ?: string;
  /**
   * The app's user for a verified token, or `null` when there is none (401 `invalid_token`). Its
   * scopes are the token's `scope` (or `scp`) claim.
   */
  resolveUser?: (claims: AccessTokenClaims, context: SecurityContext) => User | null | undefined | Promise<User | null | undefined>;
  /** Checks a token from the provider yourself: the principal, or `null` to refuse it (401 `invalid_token`). */
  verify?: VerifyHook<User, string>;
  /** The key in `components.securitySchemes`. Default `OpenIdConnect` (FastAPI's). */
  schemeName?: string;
  /** Shown in OpenAPI. */
  description?: string;
  /** Longest token accepted, in characters; a longer one is refused before any work. Default 4096. */
  maxLength?: number;
}

const OPTION_NAMES = {
  ...REMOTE_KEY_SET_OPTION_NAMES,
  openIdConnectUrl: true,
  audience: true,
  issuer: true,
  algorithms: true,
  typ: true,
  resolveUser: true,
  verify: true,
  schemeName: true,
  description: true,
  maxLength: true,
} as const satisfies Record<keyof OpenIdConnectOptions<unknown>, true>;

const WELL_KNOWN = '/.well-known/openid-configuration';

/**
 * An OpenID Connect scheme: bearer tokens from an identity provider, described in OpenAPI as
 * `{ type: 'openIdConnect', openIdConnectUrl }` with the route's scopes in its requirement. With
 * `audience` and `resolveUser`, gatepass verifies them against the provider's JWKS (its discovery
 * document's `jwks_uri`): signature, `iss`, `aud`, expiry; the keys are cached, a `kid` it does not
 * know is fetched at most once per cooldown, and a provider that cannot be reached is a 503.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { openIdConnect } from 'gatepass';
 *
 * const company = openIdConnect({
 *   openIdConnectUrl: 'https://login.example.com/.well-known/openid-configuration',
 *   audience: 'https://api.example.com',
 *   resolveUser: (claims) => ({ id: claims.sub, email: claims.email }),
 * });
 * ```
 */
export function openIdConnect<User>(options: OpenIdConnectOptions<User>): Scheme<User, string> {
  const where = 'openIdConnect';
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  const schemeName = options.schemeName ?? 'OpenIdConnect';
  checkSchemeName(where, schemeName);
  let url: URL;
  try {
    url = new URL(options.openIdConnectUrl);
  } catch {
    throw new TypeError(`${where}: openIdConnectUrl must be an absolute URL`);
  }
  const openApi: OpenApiObject = { type: 'openIdConnect', openIdConnectUrl: url.href };
  if (options.description !== undefined) openApi.description = options.description;
  const maxLength = maxLengthOf(where, options.maxLength, 4096);
  const { verify, resolveUser, audience, issuer: givenIssuer, ...remote } = options;
  // What is left besides the scheme's own options goes to the trusted issuer (algorithms, typ, limits).

  const { openIdConnectUrl: _url, schemeName: _name, description: _description, maxLength: _max, ...trusted } = remote;
  if (verify !== undefined) {
    if (typeof verify !== 'function') throw new TypeError(`${where}: verify must be a function`);
    const ignored = [...(resolveUser === undefined ? [] : ['resolveUser']), ...(audience === undefined ? [] : ['audience']), ...(givenIssuer === undefined ? [] : ['issuer']), ...Object.keys(trusted)];
    if (ignored.length > 0) throw new TypeError(`${where}: with verify, gatepass does not verify the tokens: ${ignored.join(', ')} would be ignored`);
    return hookedBearer(schemeName, verify, openApi, true, maxLength);
  }
  if (audience === undefined) throw new TypeError(`${where}: audience is missing — give the aud the provider's tokens carry for this API (or verify them yourself with verify)`);
  if (typeof resolveUser !== 'function') throw new TypeError(`${where}: resolveUser is missing — give the function that turns a verified token into your user`);
  const base = url.href.endsWith(WELL_KNOWN) ? url.href.slice(0, -WELL_KNOWN.length) : undefined;
  const issuer = givenIssuer ?? (base === undefined ? undefined : [base, `${base}/`]);
  if (issuer === undefined) throw new TypeError(`${where}: give issuer: openIdConnectUrl does not end in ${WELL_KNOWN}`);
  const first = typeof issuer === 'string' ? issuer : issuer[0];
  if (first === undefined || discoveryUrl(first) !== url.href) throw new TypeError(`${where}: openIdConnectUrl must be the issuer's ${WELL_KNOWN}`);
  const tokens = buildTokens({ trustedIssuers: [{ ...trusted, issuer, audience }], maxTokenLength: maxLength }, where).tokens;

  return {
    ...hookedBearer(schemeName, () => null, openApi, true, maxLength),
    async verify(token, context, run) {
      const claims = await tokens.verify(token);
      const user = await run(() => resolveUser(claims, context));
      if (user === null || user === undefined) throw new BearerError('ERR_UNKNOWN_SUBJECT');
      return { subject: claims.sub, user, scopes: scopesOfClaims(claims), claims };
    },
  };
}
