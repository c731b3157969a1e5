// Verifying the app's own tokens, HS256 and ES256: gatepass with a token it has not seen (cold: a
// fresh token each call, all issued beforehand) and with one it has (warm: the verified-token cache),
// jose's jwtVerify with an imported key, and the least a correct check with node:crypto does (the
// header's alg and crit, the signature, the payload as a JSON object, exp and nbf). Every case is
// awaited alike. Run: `npm run bench` (or this script alone with `node --import tsx bench/verify.ts`);
// results as ratios in docs/benchmarks.md.
import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey } from 'jose';
import { createTokens, type TokenAlgorithm, type Tokens } from 'gatepass';

const ITERATIONS = Number(process.env.ITERATIONS ?? 20_000);
const BATCHES = 40;
const WARM_UP = 2_000;
const SECRET = 'a-benchmark-secret-that-is-at-least-32-bytes';

/** The least a correct verification does: one header, one signature, the payload and its time claims. */
function minimalCheck(alg: TokenAlgorithm, key: KeyObject): (token: string) => Record<string, unknown> {
  const signatureIsRight: (input: string, signature: Buffer) => boolean =
    alg === 'HS256'
      ? (input, signature) => {
          const mac = createHmac('sha256', key).update(input).digest();
          return mac.length === signature.length && timingSafeEqual(mac, signature);
        }
      : (input, signature) => signature.length === 64 && verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature);
  return (token) => {
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString()) as { alg?: unknown; crit?: unknown };
    if (header.alg !== alg || header.crit !== undefined) throw new Error('bad header');
    if (!signatureIsRight(token.slice(0, last), Buffer.from(token.slice(last + 1), 'base64url'))) throw new Error('bad signature');
    const claims = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims !== 'object' || claims === null || typeof claims.exp !== 'number' || claims.exp <= now) throw new Error('expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) throw new Error('not yet valid');
    return claims;
  };
}

interface Setup {
  tokens: Tokens;
  verifyKey: CryptoKey | Uint8Array;
  nodeKey: KeyObject;
}

async function setup(alg: TokenAlgorithm): Promise<Setup> {
  if (alg === 'HS256') {
    const secret = new TextEncoder().encode(SECRET);
    return { tokens: createTokens({ secret: SECRET }), verifyKey: secret, nodeKey: createSecretKey(secret) };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    tokens: createTokens({ privateKey, algorithm: alg }),
    verifyKey: (await importJWK(jwk, alg)) as CryptoKey,
    nodeKey: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }),
  };
}

const rows: string[] = [];
for (const alg of ['HS256', 'ES256'] as const) {
  const { tokens, verifyKey, nodeKey } = await setup(alg);
  // Every token differs (its own subject), so that each cold verification meets a token it has not seen.
  const issued: string[] = [];
  for (let i = 0; i < ITERATIONS + WARM_UP; i++) issued.push((await tokens.issue(`user-${i}`, { scopes: ['me'] })).token);
  // As a server receives them, each in one piece: jose joins a token's parts with +, which V8 keeps as
  // a rope until its first use, and flattening it would count against whichever case met it first.
  const fresh = JSON.parse(JSON.stringify(issued)) as string[];
  const token = JSON.parse(JSON.stringify((await tokens.issue('johndoe', { scopes: ['me'] })).token)) as string;
  const minimal = minimalCheck(alg, nodeKey);
  // gatepass cold walks the list once, warm-up included, so that it never meets a token twice; the
  // others, which keep nothing, walk it too.
  let cold = 0;
  let other = 0;
  const cases: Record<string, () => unknown> = {
    'minimal node:crypto check': () => minimal(fresh[other++ % fresh.length]!),
    'gatepass cold (a new token each time)': () => tokens.verify(fresh[cold++]!),
    'gatepass warm (the same token again)': () => tokens.verify(token),
    'jose jwtVerify (imported key)': () => jwtVerify(fresh[other++ % fresh.length]!, verifyKey, { algorithms: [alg] }),
  };
  const batches: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (const run of Object.values(cases)) for (let i = 0; i < WARM_UP; i++) await run();
  // Interleaved batches, so that drift in the machine's load affects every case alike. The median
  // batch leaves out batches another process interrupted; the mean keeps them, and each case's pauses
  // for garbage collection.
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const [name, run] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ITERATIONS / BATCHES; i++) await run();
      batches[name]!.push(Number(process.hrtime.bigint() - start) / (ITERATIONS / BATCHES));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const minimalTimes = batches['minimal node:crypto check']!;
  for (const [name, times] of Object.entries(batches)) {
    const ns = median(times);
    rows.push(`| ${alg} | ${name} | ${Math.round(1e9 / ns)} | ${(median(minimalTimes) / ns).toFixed(2)} | ${(mean(minimalTimes) / mean(times)).toFixed(2)} |`);
  }
}

console.log(`verify, ${ITERATIONS} verifications per case in ${BATCHES} interleaved batches; the median batch`);
console.log('| alg | case | ops/s (median batch) | speed relative to the minimal check, median batch | the same, mean of batches |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
