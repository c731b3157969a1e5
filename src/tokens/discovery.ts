/**
 * OpenID Connect discovery (OpenID Connect Discovery 1.0 §4, RFC 8414 §3): from an issuer URL to
 * its JWKS URL, checked against the issuer it claims to be.
 *
 * @module
 */
import { BearerError } from '../errors/auth-error.js';
import { fetchJson, FetchJsonError } from '../lib/fetch-json.js';
import { coolingSource, type RemoteLimits } from './remote-key-set.js';

/** The discovery document's URL for an issuer: `/.well-known/openid-configuration` appended to its path. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `jwks_uri` from the issuer's discovery document, once: a failure is answered for a cooldown,
 * then tried again. The document must name the same `issuer` (§4.3), or its keys would vouch for
 * another issuer's tokens.
 */
export function discoverJwksUri(issuer: string, limits: RemoteLimits): () => Promise<URL> {
  const url = discoveryUrl(issuer);
  let found: URL | undefined;
  const discover = coolingSource(limits.cooldown, async () => {
    try {
      const document = (await fetchJson(url, {
        signal: AbortSignal.timeout(limits.timeout),
        maxBytes: limits.maxResponseBytes,
        headers: { accept: 'application/json' },
      })) as { issuer?: unknown; jwks_uri?: unknown } | null;
      if (typeof document !== 'object' || document === null) throw new FetchJsonError(`${url}: the document is not an object`);
      if (document.issuer !== issuer) throw new FetchJsonError(`${url}: the document names another issuer`);
      const jwksUri = httpUrl(document.jwks_uri);
      if (jwksUri === undefined) throw new FetchJsonError(`${url}: jwks_uri is missing or not an http(s) URL`);
      return jwksUri;
    } catch (cause) {
      throw new BearerError('ERR_KEYS_UNAVAILABLE', { cause, retryAfter: Math.max(1, Math.ceil(limits.cooldown / 1000)) });
    }
  });
  return async () => (found ??= await discover());
}
