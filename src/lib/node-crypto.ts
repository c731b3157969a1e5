import type { CryptoKey } from 'jose';

/** A key as `node:crypto` holds it. */
export interface NodeKey {
  readonly type: string;
}

/** The little of `node:crypto` gatepass uses. */
export interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: string): { digest(encoding: 'base64url'): string } };
  KeyObject: { from(key: CryptoKey): NodeKey };
  createSecretKey(key: Uint8Array): NodeKey;
  createHmac(algorithm: string, key: NodeKey): { update(data: string): { digest(): Uint8Array } };
  verify(algorithm: string | null, data: Uint8Array, key: NodeKey | { key: NodeKey }, signature: Uint8Array): boolean;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  constants: { RSA_PKCS1_PADDING: number; RSA_PKCS1_PSS_PADDING: number; RSA_PSS_SALTLEN_DIGEST: number };
}

/**
 * `node:crypto` where the runtime has Node's built-ins (Node, Bun, Deno), `undefined` elsewhere. Found
 * at run time through `process.getBuiltinModule`, so no bundle for a runtime without it ever imports
 * `node:crypto`; its answers are synchronous where WebCrypto's are not (and on Node, WebCrypto's queue
 * behind password hashes in the thread pool).
 */
export const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | NodeCrypto
  | undefined;
