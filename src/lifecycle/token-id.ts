import { base64url } from '../lib/base64url.js';

/** The little of `node:crypto` used here, when the runtime has it. */
interface NodeHash {
  createHash(algorithm: 'sha256'): { update(data: string): { digest(encoding: 'base64url'): string } };
}

// Where the runtime has Node's built-ins (Node, Bun, Deno), hash synchronously: WebCrypto's digest is
// asynchronous and, on Node, queues behind password hashes in the thread pool. Found at run time, so no
// bundle for a runtime without them ever imports `node:crypto`.
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | NodeHash
  | undefined;

/**
 * A token's identity for revocation: the SHA-256 of its signing input (header and payload as sent),
 * base64url. Not the signature, which some algorithms let anyone re-spell (ECDSA's `s` and `n - s`
 * both verify), so another spelling of the same signed token keeps its identity; and not `jti`, which
 * tokens of other issuers may lack.
 */
export function tokenId(token: string): Promise<string> {
  return sha256(token.slice(0, token.lastIndexOf('.')));
}

/** The SHA-256 of a text's UTF-8 bytes, base64url: how a refresh token is stored. */
export async function sha256(text: string): Promise<string> {
  if (nodeCrypto !== undefined) return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}
