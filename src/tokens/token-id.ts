import type { MaybePromise } from '../lib/maybe-promise.js';
import { sha256 } from '../lib/sha256.js';

/**
 * A token's identity for revocation: the SHA-256 of its signing input (header and payload as sent),
 * base64url. Not the signature, which some algorithms let anyone re-spell (ECDSA's `s` and `n - s`
 * both verify), so another spelling of the same signed token keeps its identity; and not `jti`, which
 * tokens of other issuers may lack.
 */
export function tokenId(token: string): MaybePromise<string> {
  return sha256(token.slice(0, token.lastIndexOf('.')));
}
