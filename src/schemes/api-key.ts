/**
 * API keys in a header, a query parameter or a cookie: FastAPI's `APIKeyHeader`, `APIKeyQuery` and
 * `APIKeyCookie`, verified by the app (see {@link createApiKeyStore} to keep only digests).
 *
 * @module
 */
import { queryOf, readCookie, type CredentialSources } from '../authorization-header.js';
import { BearerError } from '../errors/auth-error.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { checkSchemeOptions, maxLengthOf, runVerify, type Scheme, type VerifyHook } from './scheme.js';

/** Where an API key is sent. */
export type ApiKeyLocation = 'header' | 'query' | 'cookie';

/** Options of {@link apiKey}. */
export interface ApiKeyOptions<User> {
  /** Where the key is sent. */
  in: ApiKeyLocation;
  /** The header, query parameter or cookie name, e.g. `X-API-Key`. Header names match case-insensitively. */
  name: string;
  /** Looks the key up: the principal it stands for, or `null` for an unknown key (401). */
  verify: VerifyHook<User, string>;
  /** The key in `components.securitySchemes`. Default FastAPI's: `APIKeyHeader`, `APIKeyQuery` or `APIKeyCookie`. */
  schemeName?: string;
  /** Shown in OpenAPI. */
  description?: string;
  /** Longest key accepted, in characters; a longer one is refused before any work. Default 512. */
  maxLength?: number;
}

const OPTION_NAMES = { in: true, name: true, verify: true, schemeName: true, description: true, maxLength: true } as const satisfies Record<
  keyof ApiKeyOptions<unknown>,
  true
>;
const DEFAULT_NAMES: Record<ApiKeyLocation, string> = { header: 'APIKeyHeader', query: 'APIKeyQuery', cookie: 'APIKeyCookie' };
// RFC 9110 token: what a header field name may be.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * An API key scheme. The key is never echoed, logged or put in an error; a missing or empty key is no
 * credentials (401 with an `APIKey` challenge), a key sent twice is 400, an unknown one 401.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { apiKey, createApiKeyStore } from 'gatepass';
 *
 * const keys = await createApiKeyStore([[process.env.REPORTING_KEY!, { subject: 'reporting-bot', user: bot, scopes: ['items'] }]]);
 * const machineKey = apiKey({ in: 'header', name: 'X-API-Key', verify: keys.verify });
 * app.get('/machine/items/', requireAuth(auth, { schemes: [auth.bearer, machineKey], scopes: ['items'] }), listItems);
 * ```
 */
export function apiKey<User>(options: ApiKeyOptions<User>): Scheme<User, string> {
  const where = 'apiKey';
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  const { in: location, name, verify, description } = options;
  if (location !== 'header' && location !== 'query' && location !== 'cookie') throw new TypeError(`${where}: in must be 'header', 'query' or 'cookie'`);
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new TypeError(`${where}: name must be a header, query or cookie name`);
  const schemeName = options.schemeName ?? DEFAULT_NAMES[location];
  checkSchemeOptions(where, schemeName, verify);
  const maxLength = maxLengthOf(where, options.maxLength, 512);

  const challenge = 'APIKey';
  const refused = () => new BearerError('ERR_API_KEY_INVALID', { challenges: [challenge] });
  const repeated = () => new BearerError('ERR_REPEATED_CREDENTIALS', { challenges: [challenge] });
  const headerName = name.toLowerCase();

  const valuesOf = (request: CredentialSources): readonly string[] => {
    if (location === 'header') {
      const value = request.header?.(headerName);
      return value === null || value === undefined ? [] : typeof value === 'string' ? [value] : value;
    }
    if (location === 'query') return request.url ? queryOf(request.url).getAll(name) : [];
    const value = request.cookie ? readCookie(request.cookie, name, repeated) : undefined;
    return value === undefined ? [] : [value];
  };

  return {
    name: schemeName,
    challenge,
    scoped: false,
    find(request) {
      const values = valuesOf(request).filter((value) => value !== '');
      if (values.length > 1) throw repeated();
      const [key] = values;
      if (key !== undefined && key.length > maxLength) throw refused();
      return key;
    },
    verify: (key, context, run) => runVerify(verify, key, context, run, refused),
    openApi: () => ({ type: 'apiKey', in: location, name, ...(description === undefined ? {} : { description }) }),
  };
}
