/**
 * The compact JWS serialization (RFC 7515 §7.1) as gatepass reads it: three canonical base64url
 * segments, and the JSON object in a segment, read as jose reads it.
 *
 * @module
 */
import { decodeBase64urlBinary, hasCanonicalEnd } from '../lib/base64url.js';
import { latin1Bytes } from '../lib/bytes.js';

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

// Strict, as jose's: bytes that are not UTF-8 fail; a leading byte order mark is dropped.
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const NOT_ASCII = /[^\x00-\x7f]/;

/**
 * The JSON value in `token[start, end)`, a segment {@link isCompactJws} accepted, its bytes read as
 * jose reads them: as UTF-8, strictly. Bytes that are all ASCII are that text already.
 *
 * @throws `TypeError` for bytes that are not UTF-8, `SyntaxError` for text that is not JSON.
 */
export function segmentJson(token: string, start: number, end: number): unknown {
  const binary = decodeBase64urlBinary(token, start, end);
  return JSON.parse(NOT_ASCII.test(binary) ? UTF8.decode(latin1Bytes(binary)) : binary);
}

/** Whether a parsed JSON value is an object: not an array, not `null`. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
