// The hot path of every protected request: what gatepass adds on top of jose's own jwtVerify with an
// imported key. Run: `npm run bench`; results as ratios in docs/benchmarks.md.
import { jwtVerify } from 'jose';
import { createGatepass, createTokens } from 'gatepass';

const ITERATIONS = Number(process.env.ITERATIONS ?? 20_000);
const BATCHES = 5;
const SECRET = 'a-benchmark-secret-that-is-at-least-32-bytes';

const tokens = createTokens({ secret: SECRET });
const user = { name: 'johndoe' };
const auth = createGatepass({ secret: SECRET, verifyCredentials: () => null, resolveUser: () => user });
const { token } = await tokens.issue('johndoe', { scopes: ['me'] });
const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const authorization = `Bearer ${token}`;

const cases: Record<string, () => Promise<unknown>> = {
  'jose jwtVerify (imported key)': () => jwtVerify(token, key, { algorithms: ['HS256'] }),
  'gatepass tokens.verify': () => tokens.verify(token),
  'gatepass authenticate (header → user)': () => auth.authenticate({ authorization }),
};

const elapsed: Record<string, number> = Object.fromEntries(Object.keys(cases).map((name) => [name, 0]));
for (const run of Object.values(cases)) for (let i = 0; i < 2_000; i++) await run(); // warm-up
// Interleaved batches, so that drift in the machine's load affects every case alike.
for (let batch = 0; batch < BATCHES; batch++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS / BATCHES; i++) await run();
    elapsed[name]! += Number(process.hrtime.bigint() - start) / 1e6;
  }
}

const base = elapsed['jose jwtVerify (imported key)']!;
console.log(`verify overhead, ${ITERATIONS} verifications per case, HS256`);
console.log('| case | ops/s | time relative to jose |');
console.log('| --- | --- | --- |');
for (const [name, ms] of Object.entries(elapsed)) {
  console.log(`| ${name} | ${Math.round((ITERATIONS / ms) * 1000)} | ${(ms / base).toFixed(2)} |`);
}
