/**
 * OpenID Connect discovery (OpenID Connect Discovery 1.0 §4, RFC 8414 §3): from an issuer URL to
 * its JWKS URL, checked against the issuer it claims to be.
 *
 * @module
 */
import { BearerError } from '../errors/auth-error.js';
import { fetchJson, FetchJsonError } from '../lib/fetch-json.js';
import { keySourceUrl } from '../lib/http-url.js';
import { coolingSource, retryAfterOf, type RemoteLimits } from './remote-key-set.js';

/** The discovery document's URL for an issuer: `/.well-known/openid-configuration` appended to its path. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

/**
 * Reads `jwks_uri` from the issuer's discovery document, once: a failure is answered for a cooldown,
 * then tried again. The document must name one of the `issuers` spellings it was fetched for (§4.3),
 * or its keys would vouch for another issuer's tokens; `jwks_uri` must be https (http on loopback only).
 */
export function discoverJwksUri(issuers: readonly string[], limits: RemoteLimits): () => Promise<URL> {
  const url = discoveryUrl(issuers[0]!);
  let found: URL | undefined;
  const discover = coolingSource(limits.cooldownDuration, async () => {
    try {
      const document = (await fetchJson(url, {
        signal: AbortSignal.timeout(limits.timeoutDuration),
        maxBytes: limits.maxResponseBytes,
        headers: { accept: 'application/json' },
      })) as { issuer?: unknown; jwks_uri?: unknown } | null;
      if (typeof document !== 'object' || document === null) throw new FetchJsonError(`${url}: the document is not an object`);
      if (!issuers.includes(document.issuer as string)) throw new FetchJsonError(`${url}: the document names another issuer`);
      const jwksUri = keySourceUrl(document.jwks_uri);
      if (jwksUri === undefined) throw new FetchJsonError(`${url}: jwks_uri is missing, or not https (http only on loopback)`);
      return jwksUri;
    } catch (cause) {
      throw new BearerError('ERR_KEYS_UNAVAILABLE', { cause, retryAfter: retryAfterOf(limits) });
    }
  });
  return async () => (found ??= await discover());
}
