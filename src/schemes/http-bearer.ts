/**
 * Bearer tokens the app verifies itself (FastAPI's `HTTPBearer`): opaque tokens from a database, or
 * tokens of another issuer. RFC 6750 governs where they are found and how they are refused.
 *
 * @module
 */
import { findBearerToken } from '../authorization-header.js';
import { BearerError } from '../errors/auth-error.js';
import type { OpenApiObject } from '../openapi.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { checkSchemeOptions, maxLengthOf, runVerify, type Scheme, type VerifyHook } from './scheme.js';

/** Options of {@link httpBearer}. */
export interface HttpBearerOptions<User> {
  /** Checks a token: the principal, or `null` for a token it does not know (401 `invalid_token`). */
  verify: VerifyHook<User, string>;
  /** The key in `components.securitySchemes`. Default `HTTPBearer` (FastAPI's). */
  schemeName?: string;
  /** OpenAPI's `bearerFormat` hint, e.g. `'opaque'`. */
  bearerFormat?: string;
  /** Shown in OpenAPI. */
  description?: string;
  /** Longest token accepted, in characters; a longer one is refused before the hook. Default 4096. */
  maxLength?: number;
}

const OPTION_NAMES = { verify: true, schemeName: true, bearerFormat: true, description: true, maxLength: true } as const satisfies Record<
  keyof HttpBearerOptions<unknown>,
  true
>;

/**
 * A bearer-token scheme over an app hook, with a given OpenAPI description.
 *
 * @internal
 */
export function hookedBearer<User>(
  schemeName: string,
  verify: VerifyHook<User, string>,
  openApi: OpenApiObject,
  scoped: boolean,
  maxLength: number,
): Scheme<User, string> {
  return {
    name: schemeName,
    challenge: 'Bearer',
    scoped,
    find(request) {
      const token = findBearerToken(request);
      if (token !== undefined && token.length > maxLength) throw new BearerError('ERR_TOKEN_TOO_LARGE');
      return token;
    },
    verify: (token, context, run) => runVerify(verify, token, context, run, () => new BearerError('ERR_TOKEN_INVALID')),
    openApi: () => openApi,
  };
}

/**
 * An HTTP bearer scheme whose tokens the app verifies: `Authorization: Bearer <token>` under RFC 6750's
 * grammar, refused with `Bearer error="invalid_token"` when the hook answers `null`.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { httpBearer } from 'gatepass';
 *
 * const sessions = httpBearer({
 *   bearerFormat: 'opaque',
 *   verify: async (token) => {
 *     const session = await db.sessions.findByTokenDigest(token);
 *     return session ? { subject: session.userId, user: session.user, scopes: session.scopes } : null;
 *   },
 * });
 * ```
 */
export function httpBearer<User>(options: HttpBearerOptions<User>): Scheme<User, string> {
  const where = 'httpBearer';
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  const schemeName = options.schemeName ?? 'HTTPBearer';
  checkSchemeOptions(where, schemeName, options.verify);
  const openApi: OpenApiObject = { type: 'http', scheme: 'bearer' };
  if (options.bearerFormat !== undefined) openApi.bearerFormat = options.bearerFormat;
  if (options.description !== undefined) openApi.description = options.description;
  return hookedBearer(schemeName, options.verify, openApi, false, maxLengthOf(where, options.maxLength, 4096));
}
