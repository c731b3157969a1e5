import { base64url } from './base64url.js';

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

/** The SHA-256 of a text's UTF-8 bytes, base64url: synchronous where `node:crypto` is, WebCrypto elsewhere. */
export function sha256(text: string): string | Promise<string> {
  if (nodeCrypto !== undefined) return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then((digest) => base64url(new Uint8Array(digest)));
}
