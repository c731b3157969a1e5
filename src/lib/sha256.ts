import { base64url } from './base64url.js';
import type { MaybePromise } from './maybe-promise.js';
import { nodeCrypto } from './node-crypto.js';

/** The SHA-256 of a text's UTF-8 bytes, base64url: synchronous where `node:crypto` is, WebCrypto elsewhere. */
export function sha256(text: string): MaybePromise<string> {
  if (nodeCrypto !== undefined) return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then((digest) => base64url(new Uint8Array(digest)));
}
