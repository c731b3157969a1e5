// What the four benchmark servers share: the secret, the users, the gatepass engine, the claims check
// the peers' routes add after their own verification, the answer every route gives, and how a server
// announces itself. Each bench/http/<framework>.ts only wires these into its framework.
import { createSecretKey } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatepass, type Gatepass, type GatepassUser } from 'gatepass';

export const SECRET = process.env.GATEPASS_SECRET || 'a-benchmark-secret-that-is-at-least-32-bytes';
/** The secret imported once, for the peers that take a key object instead of re-reading a string. */
export const SECRET_KEY = createSecretKey(Buffer.from(SECRET));

export interface BenchUser {
  username: string;
}
/** user0 … user999; the load generator's tokens name them in turn. */
export const users = new Map<string, BenchUser>(Array.from({ length: 1000 }, (_, i) => [`user${i}`, { username: `user${i}` }]));

/**
 * gatepass as the examples configure it, with `resolveUser` a Map lookup. Typed for the adapters, which
 * type users as GatepassUser (that examples/tutorial.ts augments, in the same type-check); the routes
 * never read the user.
 */
export const auth = createGatepass({
  secret: SECRET,
  verifyCredentials: () => null,
  resolveUser: (claims) => users.get(claims.sub),
}) as unknown as Gatepass<GatepassUser>;

/** The body of every 200, the bare route's included, so that each answer is the same size. */
export const BODY = { status: 'ok' };
export const UNAUTHORIZED = { detail: 'Could not validate credentials' };

/**
 * What a peer's route checks after the peer verified the signature and the times it checks: that
 * the token has an `exp` and a string `sub`, and that `sub` names a user (gatepass refuses the rest).
 */
export function peerUser(payload: unknown): BenchUser | undefined {
  const claims = payload as { exp?: unknown; sub?: unknown } | null | undefined;
  if (typeof claims?.exp !== 'number' || typeof claims.sub !== 'string') return undefined;
  return users.get(claims.sub);
}

/** Prints the URL line the load generator waits for. A server has nothing to save: SIGTERM ends it as it is. */
export function announce(port: number): void {
  console.log(`listening on http://127.0.0.1:${port}`);
}

/** {@link announce} for a node:http server once it listens. */
export function announceNode(server: Server): void {
  server.once('listening', () => announce((server.address() as AddressInfo).port));
}
