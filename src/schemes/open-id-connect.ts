/**
 * OpenID Connect (FastAPI's `OpenIdConnect`): bearer tokens from an identity provider, declared with
 * its discovery URL so that OpenAPI's *Authorize* dialog can log in there. The app verifies the
 * tokens with its hook.
 *
 * @module
 */
import type { OpenApiObject } from '../openapi.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { hookedBearer } from './http-bearer.js';
import { checkSchemeOptions, maxLengthOf, type Scheme, type VerifyHook } from './scheme.js';

/** Options of {@link openIdConnect}. */
export interface OpenIdConnectOptions<User> {
  /** The provider's discovery document: `https://issuer.example/.well-known/openid-configuration`. */
  openIdConnectUrl: string;
  /** Checks a token from the provider: the principal, or `null` to refuse it (401 `invalid_token`). */
  verify: VerifyHook<User, string>;
  /** The key in `components.securitySchemes`. Default `OpenIdConnect` (FastAPI's). */
  schemeName?: string;
  /** Shown in OpenAPI. */
  description?: string;
  /** Longest token accepted, in characters; a longer one is refused before the hook. Default 4096. */
  maxLength?: number;
}

const OPTION_NAMES = { openIdConnectUrl: true, verify: true, schemeName: true, description: true, maxLength: true } as const satisfies Record<
  keyof OpenIdConnectOptions<unknown>,
  true
>;

/**
 * An OpenID Connect scheme: bearer tokens verified by the app's hook, described in OpenAPI as
 * `{ type: 'openIdConnect', openIdConnectUrl }` with the route's scopes in its requirement.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { openIdConnect } from 'gatepass';
 *
 * const company = openIdConnect({
 *   openIdConnectUrl: 'https://login.example.com/.well-known/openid-configuration',
 *   verify: async (token) => verifyWithProvider(token),
 * });
 * ```
 */
export function openIdConnect<User>(options: OpenIdConnectOptions<User>): Scheme<User, string> {
  const where = 'openIdConnect';
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  const schemeName = options.schemeName ?? 'OpenIdConnect';
  checkSchemeOptions(where, schemeName, options.verify);
  let url: URL;
  try {
    url = new URL(options.openIdConnectUrl);
  } catch {
    throw new TypeError(`${where}: openIdConnectUrl must be an absolute URL`);
  }
  const openApi: OpenApiObject = { type: 'openIdConnect', openIdConnectUrl: url.href };
  if (options.description !== undefined) openApi.description = options.description;
  return hookedBearer(schemeName, options.verify, openApi, true, maxLengthOf(where, options.maxLength, 4096));
}
