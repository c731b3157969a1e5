// The JWKS endpoint shared by every adapter: the engine's public keys as an answer with caching
// headers, a 304 for a client that holds the same document, and 405 for methods other than GET/HEAD.
// (Internal to the adapters, like the rest of the kit.)
import type { Gatepass } from '../index.js';
import { base64url } from '../lib/base64url.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';
import type { HttpAnswer } from './http-answer.js';
import { handlerName } from './names.js';

/** Options of `jwksEndpoint`. */
export interface JwksEndpointOptions {
  /**
   * Seconds a client or cache may keep the document (`Cache-Control: public, max-age`). Default 300.
   * Keep it well under the time between publishing a key and signing with it (see `keys.add`'s `sign`).
   */
  maxAge?: number;
}

const OPTION_NAMES = { maxAge: true } as const satisfies Record<keyof JwksEndpointOptions, true>;

/** A JWKS endpoint as the adapters run it. */
export interface JwksEndpoint {
  /** `gatepassJwksEndpoint`. */
  readonly name: string;
  /** The answer for a request's method and `If-None-Match` header. */
  answer(method: string, ifNoneMatch: string | null | undefined): Promise<HttpAnswer>;
}

const NOT_ALLOWED: HttpAnswer = {
  status: 405,
  headers: { 'Content-Type': 'application/json', Allow: 'GET, HEAD' },
  body: JSON.stringify({ detail: 'Method Not Allowed' }),
};

/** A strong validator of the document: the first 16 bytes of its SHA-256, base64url. */
async function entityTag(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
  return `"${base64url(digest.subarray(0, 16))}"`;
}

/** Whether an `If-None-Match` list names `tag` (RFC 9110 §13.1.2: weak comparison). */
function matches(ifNoneMatch: string, tag: string): boolean {
  return ifNoneMatch.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === tag;
  });
}

/** A JWKS endpoint, its options checked at once (start-up). */
export function createJwksEndpoint(adapter: string, auth: Gatepass<unknown>, options: JwksEndpointOptions): JwksEndpoint {
  const where = `gatepass/${adapter} jwksEndpoint`;
  if (typeof auth?.jwks !== 'function') throw new TypeError(`${where}: expected the engine from createGatepass()`);
  checkOptionsObject(where, options);
  checkOptionNames(where, options, OPTION_NAMES);
  const maxAge = options.maxAge ?? 300;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new RangeError(`${where}: maxAge must be a whole number of seconds, 0 or more`);
  let last: { body: string; tag: Promise<string> } | undefined;

  return {
    name: handlerName('jwksEndpoint'),
    async answer(method, ifNoneMatch) {
      if (method !== 'GET' && method !== 'HEAD') return NOT_ALLOWED;
      await auth.keys.ready;
      const body = JSON.stringify(auth.jwks());
      if (last?.body !== body) last = { body, tag: entityTag(body) };
      const headers = {
        'Content-Type': 'application/jwk-set+json',
        'Cache-Control': `public, max-age=${maxAge}`,
        ETag: await last.tag,
      };
      if (ifNoneMatch && matches(ifNoneMatch, headers.ETag)) return { status: 304, headers, body: '' };
      // The server drops the body of a HEAD answer and keeps its length.
      return { status: 200, headers, body };
    },
  };
}
