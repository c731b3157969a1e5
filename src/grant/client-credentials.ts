// Client credentials sent with HTTP Basic at the token endpoint (RFC 6749 §2.3.1).
import { TokenRequestError } from '../errors/auth-error.js';

const BASIC = /^[ \t]*basic +([A-Za-z0-9+/]+={0,2})[ \t]*$/i;

/**
 * Client credentials from HTTP Basic (RFC 6749 §2.3.1: each part form-urlencoded, then base64).
 * Other schemes are not client authentication and are ignored.
 */
export function parseBasicCredentials(header: string | null | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header || !/^[ \t]*basic(?: |$)/i.test(header)) return undefined;
  const invalid = (cause?: unknown) => new TokenRequestError('ERR_INVALID_CLIENT', { basicChallenge: true, cause });
  const encoded = BASIC.exec(header)?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) throw invalid();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
  } catch (cause) {
    throw invalid(cause);
  }
  // Swagger UI's Authorize dialog sends `Basic Og==` (":") when no client is configured: an empty
  // client id and secret are no client authentication at all. An empty id with a secret is refused.
  if (text === ':') return undefined;
  const colon = text.indexOf(':');
  if (colon < 1) throw invalid();
  try {
    const decode = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: decode(text.slice(0, colon)), clientSecret: decode(text.slice(colon + 1)) };
  } catch (cause) {
    throw invalid(cause);
  }
}
