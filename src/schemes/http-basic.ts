/**
 * HTTP Basic (RFC 7617): FastAPI's `HTTPBasic`, verified by the app, e.g. with `verifyUser` from
 * `gatepass/password` so that an unknown user costs what a wrong password costs.
 *
 * @module
 */
import { SCHEME, trimOws } from '../authorization-header.js';
import { BearerError, quote } from '../errors/auth-error.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import { checkSchemeOptions, maxLengthOf, runVerify, type Scheme, type VerifyHook } from './scheme.js';

/** A username and password from a `Basic` Authorization header. The password is never logged or put in an error. */
export interface BasicCredentials {
  /** Everything before the first `:`. */
  username: string;
  /** Everything after it, colons included. */
  password: string;
}

/** Options of {@link httpBasic}. */
export interface HttpBasicOptions<User> {
  /** Checks the username and password: the principal, or `null` when either is wrong (401). */
  verify: VerifyHook<User, BasicCredentials>;
  /** The protection space named in the challenge: `Basic realm="…"`. Default: none, the challenge is `Basic`. */
  realm?: string;
  /** The key in `components.securitySchemes`. Default `HTTPBasic` (FastAPI's). */
  schemeName?: string;
  /** Shown in OpenAPI. */
  description?: string;
  /** Longest Authorization header read, in characters; a longer one is refused before decoding. Default 4096. */
  maxLength?: number;
}

const OPTION_NAMES = { verify: true, realm: true, schemeName: true, description: true, maxLength: true } as const satisfies Record<
  keyof HttpBasicOptions<unknown>,
  true
>;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// C0 controls (NUL included), DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * An HTTP Basic scheme. No credentials, or another scheme's, get 401 with the `Basic` challenge;
 * credentials that are not base64, hold no `:` or are not UTF-8 get 401 `ERR_BASIC_MALFORMED`; a
 * wrong username or password (the hook answers `null`) gets 401 `ERR_BASIC_INVALID`, "Incorrect
 * username or password", with the same challenge.
 *
 * @throws `TypeError` at once for bad options.
 *
 * @example
 * ```ts
 * import { httpBasic } from 'gatepass';
 * import { createPasswordHasher } from 'gatepass/password';
 *
 * const passwords = createPasswordHasher();
 * const basic = httpBasic({
 *   realm: 'internal',
 *   async verify({ username, password }) {
 *     const user = users.get(username);
 *     if (!(await passwords.verifyUser(user?.hash, password)) || !user) return null;
 *     return { subject: username, user };
 *   },
 * });
 * app.get('/basic/users/me/', requireAuth(auth, { schemes: [basic] }), showUser);
 * ```
 */
export function httpBasic<User>(options: HttpBasicOptions<User>): Scheme<User, BasicCredentials> {
  const where = 'httpBasic';
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  const { verify, realm, description } = options;
  const schemeName = options.schemeName ?? 'HTTPBasic';
  checkSchemeOptions(where, schemeName, verify);
  if (realm !== undefined && (typeof realm !== 'string' || /[\u0000-\u001f\u007f]/.test(realm))) {
    throw new TypeError(`${where}: realm must be a string without control characters`);
  }
  const maxLength = maxLengthOf(where, options.maxLength, 4096);

  const challenge = realm === undefined ? 'Basic' : `Basic realm=${quote(realm)}`;
  const challenges = [challenge];
  const malformed = () => new BearerError('ERR_BASIC_MALFORMED', { challenges });
  const decoder = new TextDecoder('utf-8', { fatal: true });

  return {
    name: schemeName,
    challenge,
    scoped: false,
    find(request) {
      let header = request.authorization;
      if (header === null || header === undefined) return undefined;
      if (typeof header !== 'string') {
        if (header.length > 1) throw new BearerError('ERR_REPEATED_CREDENTIALS', { challenges });
        header = header[0];
        if (header === undefined) return undefined;
      }
      if (header.length > maxLength) throw malformed();
      const value = trimOws(header);
      const scheme = SCHEME.exec(value)?.[0];
      if (scheme === undefined || scheme.toLowerCase() !== 'basic' || value.length === scheme.length) return undefined;
      // credentials = auth-scheme 1*SP token68
      const encoded = value.slice(scheme.length).replace(/^ +/, '');
      if (encoded.length === value.length - scheme.length || !BASE64.test(encoded) || encoded.length % 4 !== 0) throw malformed();
      let text: string;
      try {
        text = decoder.decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
      } catch {
        throw malformed();
      }
      const colon = text.indexOf(':');
      // RFC 7617 §2: the user-id holds no control character. It is put in NFC, as at the token endpoint.
      if (colon === -1 || CONTROL.test(text.slice(0, colon))) throw malformed();
      return { username: text.slice(0, colon).normalize('NFC'), password: text.slice(colon + 1) };
    },
    verify: (credentials, context, run) => runVerify(verify, credentials, context, run, () => new BearerError('ERR_BASIC_INVALID', { challenges })),
    openApi: () => ({ type: 'http', scheme: 'basic', ...(description === undefined ? {} : { description }) }),
  };
}
