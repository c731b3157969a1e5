// What the revocation check adds to a protected request: `authenticate` (header → user) with nothing
// ever revoked (the in-memory default skips the digest), with 10,000 revocations in memory, and with
// the Redis store on loopback (a real redis-server on a free port, one EXISTS per request).
// Run: `npm run bench`; results as ratios in docs/benchmarks.md.
import { createClient } from 'redis';
import { createGatepass, createMemoryRevocationStore, createRedisRevocationStore, type RevocationStore } from 'gatepass';
import { redisServerVersion, startRedisServer } from '../test/support/redis-server.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 10_000);
const BATCHES = 5;
const SECRET = 'a-benchmark-secret-that-is-at-least-32-bytes';
const user = { name: 'johndoe' };

const engine = (revocations: RevocationStore) =>
  createGatepass({ secret: SECRET, revocations, verifyCredentials: () => null, resolveUser: () => user });

const filled = createMemoryRevocationStore();
const until = Math.floor(Date.now() / 1000) + 3600;
for (let i = 0; i < 10_000; i++) await filled.revoke(`revoked-${i}`, until);

const engines: Record<string, ReturnType<typeof engine>> = {
  'nothing revoked (in memory, the default)': engine(createMemoryRevocationStore()),
  '10,000 revocations in memory': engine(filled),
};

let stop = async (): Promise<void> => {};
if (redisServerVersion() === null) {
  console.warn('redis-server does not run: the Redis case is left out (apt-get install redis-server)');
} else {
  const server = await startRedisServer();
  const client = createClient({ url: server.url, disableOfflineQueue: true });
  await client.connect();
  engines['Redis on loopback'] = engine(createRedisRevocationStore(client));
  stop = async () => {
    await client.close();
    await server.close();
  };
}

const headers = Object.fromEntries(
  await Promise.all(Object.entries(engines).map(async ([name, auth]) => [name, { authorization: `Bearer ${(await auth.tokens.issue('johndoe')).token}` }] as const)),
);
const elapsed: Record<string, number> = Object.fromEntries(Object.keys(engines).map((name) => [name, 0]));
for (const [name, auth] of Object.entries(engines)) for (let i = 0; i < 1_000; i++) await auth.authenticate(headers[name]!); // warm-up
// Interleaved batches, so that drift in the machine's load affects every case alike.
for (let batch = 0; batch < BATCHES; batch++) {
  for (const [name, auth] of Object.entries(engines)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS / BATCHES; i++) await auth.authenticate(headers[name]!);
    elapsed[name]! += Number(process.hrtime.bigint() - start) / 1e6;
  }
}
await stop();

const base = elapsed['nothing revoked (in memory, the default)']!;
console.log(`revocation check, ${ITERATIONS} authentications per case, HS256, one after another`);
console.log('| case | µs per request | time relative to nothing revoked |');
console.log('| --- | --- | --- |');
for (const [name, ms] of Object.entries(elapsed)) {
  console.log(`| ${name} | ${((ms * 1000) / ITERATIONS).toFixed(1)} | ${(ms / base).toFixed(2)} |`);
}
