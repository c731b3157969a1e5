// What one argon2id hash at OWASP's parameters (m=19456 t=2 p=1) costs with each build of gatepass/password:
// the native one (@node-rs/argon2) on Node, the portable one (@noble/hashes) on Node and on workerd. On
// workerd the time is measured by the client, over HTTP on loopback, less the median of a request that does
// nothing. Cases interleave, so that drift in the machine's load affects them alike. Run: `npm run bench`
// (needs `npm run build`: the Worker is bundled from dist/ as the workerd example is); results in
// docs/benchmarks.md and docs/runtimes.md.
import { fileURLToPath } from 'node:url';
import { createPasswordHasher as nativeHasher } from '../src/password.js';
import { createPasswordHasher as portableHasher } from '../src/password-portable.js';
import { startWorkerd } from '../examples/workerd/serve.js';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const PASSWORD = 'correct horse battery staple';

const workerd = await startWorkerd({
  entry: fileURLToPath(new URL('workerd/passwords.ts', import.meta.url)),
  host: '127.0.0.1',
  port: 0,
});
const url = `http://127.0.0.1:${workerd.port}`;
const onWorkerd = (route: string) => () => fetch(`${url}${route}`, { method: route === '/' ? 'GET' : 'POST', body: route === '/' ? null : PASSWORD }).then((res) => res.text());

const native = nativeHasher();
const portable = portableHasher();
const cases = {
  'native, Node': () => native.hash(PASSWORD),
  'portable, Node': () => portable.hash(PASSWORD),
  'portable, workerd': onWorkerd('/hash'),
  'portable, workerd, unknown user': onWorkerd('/verify-user'),
  'workerd, empty request': onWorkerd('/'),
};
type Case = keyof typeof cases;

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]])) as Record<Case, number[]>;
for (const run of Object.values(cases)) await run(); // warm-up: JIT, the Worker's first request
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases) as Array<[Case, () => Promise<unknown>]>) {
    const start = performance.now();
    await run();
    samples[name].push(performance.now() - start);
  }
}
await workerd.stop();

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))] as number;
const request = quantile(samples['workerd, empty request'], 0.5);
const base = quantile(samples['native, Node'], 0.5);
console.log(`argon2id m=19456 t=2 p=1, ${ROUNDS} interleaved rounds; workerd rows less ${request.toFixed(1)} ms for the request itself`);
console.log('| build, runtime | median ms | p90 ms | relative to native |');
console.log('| --- | --- | --- | --- |');
for (const name of Object.keys(cases) as Case[]) {
  if (name === 'workerd, empty request') continue;
  const less = name.includes('workerd') ? request : 0;
  const median = quantile(samples[name], 0.5) - less;
  console.log(`| ${name} | ${median.toFixed(1)} | ${(quantile(samples[name], 0.9) - less).toFixed(1)} | ${(median / base).toFixed(1)} |`);
}
