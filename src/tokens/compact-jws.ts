/**
 * The compact JWS serialization (RFC 7515 §7.1) as gatepass reads it: three canonical base64url
 * segments.
 *
 * @module
 */
import { hasCanonicalEnd } from '../lib/base64url.js';

// Three segments of base64url characters (RFC 7515 §7.1), the header and the payload not empty.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Whether `token` is a compact JWS: three base64url segments without padding, the header and the
 * payload not empty, each in its one canonical spelling, so that a token cannot be re-spelled and still
 * pass. The signature may be empty here so that `alg: none` is reported as a refused algorithm rather
 * than as a malformed token.
 */
export function isCompactJws(token: string): boolean {
  if (!COMPACT.test(token)) return false;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return hasCanonicalEnd(token, 0, first) && hasCanonicalEnd(token, first + 1, second) && hasCanonicalEnd(token, second + 1, token.length);
}
