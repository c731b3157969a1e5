// Verifying an HS256 token: gatepass's `tokens.verify` against what else a Node app could use, on cold
// tokens (a fresh token on every call, as a busy API sees them) and on a warm one (the same token again
// and again, as one client's requests look): jose's `jwtVerify` with an imported key, fast-jwt without
// and with its verification cache (`cache: true`), and a minimal correct check written on node:crypto
// (header, HMAC compared in constant time, `exp` and `sub`), the floor for this work. jose, which has
// no cache, is measured both ways: a verifier can run faster on a string it has just seen without
// caching anything itself. Interleaved batches, so that drift in the machine's load affects every case
// alike. Run: `node --import tsx bench/peers-verify.ts` (part of `npm run bench`); ratios in
// docs/benchmarks.md.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import { jwtVerify } from 'jose';
import { createTokens } from 'gatepass';
import { machineLine } from './machine.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 20_000);
const WARM_UP = 2_000;
const BATCHES = 5;
const SECRET = 'a-benchmark-secret-that-is-at-least-32-bytes';

// Every token differs (its own `jti`), so a cache keyed on the token meets each cold one once.
const issuer = createTokens({ secret: SECRET, jti: true });
const fresh = await Promise.all(Array.from({ length: ITERATIONS + WARM_UP }, (_, i) => issuer.issue(`user${i % 1000}`, { scopes: ['me'] })));
const coldTokens = fresh.map(({ token }) => token);
const warmToken = coldTokens[0]!;

const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const joseVerify = (token: string) => jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
const fastJwtOptions = { key: SECRET, algorithms: ['HS256' as const], requiredClaims: ['sub', 'exp'] };

/** HS256 by hand: the header must say HS256 (and nothing critical), the MAC must match, `exp` must be ahead, `sub` a string. */
const hmacKey = createSecretKey(Buffer.from(SECRET));
function nodeCryptoVerify(token: string): Record<string, unknown> {
  const [header, payload, signature, extra] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || extra !== undefined) throw new Error('malformed');
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown; crit?: unknown };
  if (head.alg !== 'HS256' || head.crit !== undefined) throw new Error('algorithm');
  const expected = createHmac('sha256', hmacKey).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('signature');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new Error('exp');
  if (typeof claims.nbf === 'number' && claims.nbf > now) throw new Error('nbf');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new Error('sub');
  return claims;
}

/** A case: how to verify one token, and whether it gets a fresh token each call. */
interface Case {
  verify: (token: string) => unknown;
  cold: boolean;
}
const gatepassCold = createTokens({ secret: SECRET });
const gatepassWarm = createTokens({ secret: SECRET });
const cases: Record<string, Case> = {
  'jose jwtVerify (imported key), cold': { verify: joseVerify, cold: true },
  'jose jwtVerify (imported key), warm': { verify: joseVerify, cold: false },
  'node:crypto HS256 by hand, cold': { verify: nodeCryptoVerify, cold: true },
  'fast-jwt, cold': { verify: createVerifier(fastJwtOptions), cold: true },
  'fast-jwt cache: true, cold': { verify: createVerifier({ ...fastJwtOptions, cache: true }), cold: true },
  'fast-jwt cache: true, warm': { verify: createVerifier({ ...fastJwtOptions, cache: true }), cold: false },
  'gatepass tokens.verify, cold': { verify: (token) => gatepassCold.verify(token), cold: true },
  'gatepass tokens.verify, warm': { verify: (token) => gatepassWarm.verify(token), cold: false },
};

// Each cold case walks the same list from its own cursor: every token once, warm-up included.
const cursor: Record<string, number> = Object.fromEntries(Object.keys(cases).map((name) => [name, 0]));
async function run(name: string, { verify, cold }: Case, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await verify(cold ? coldTokens[cursor[name]!++]! : warmToken);
}

for (const [name, item] of Object.entries(cases)) {
  const claims = (await item.verify(warmToken)) as { payload?: { sub?: unknown }; sub?: unknown };
  if ((claims.payload ?? claims).sub !== 'user0') throw new Error(`${name} did not verify the token`);
  await run(name, item, WARM_UP);
}
const elapsed: Record<string, number> = Object.fromEntries(Object.keys(cases).map((name) => [name, 0]));
for (let batch = 0; batch < BATCHES; batch++) {
  for (const [name, item] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    await run(name, item, ITERATIONS / BATCHES);
    elapsed[name]! += Number(process.hrtime.bigint() - start) / 1e6;
  }
}

const base = elapsed['jose jwtVerify (imported key), cold']!;
console.log(`HS256 verification against peers, ${ITERATIONS} verifications per case in ${BATCHES} interleaved batches; cold: a fresh token each call, warm: one token`);
console.log(machineLine());
console.log('| case | ops/s | time relative to jose |');
console.log('| --- | --- | --- |');
for (const [name, ms] of Object.entries(elapsed)) {
  console.log(`| ${name} | ${Math.round((ITERATIONS / ms) * 1000)} | ${(ms / base).toFixed(2)} |`);
}
