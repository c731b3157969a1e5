// What one argon2id hash at OWASP's parameters (m=19456 t=2 p=1) costs with each build of gatepass/password:
// the native one (@node-rs/argon2) on Node, the portable one (@noble/hashes) on Node and on workerd. Two
// measures: the time the caller waits (on workerd over HTTP on loopback, less the median of a request that
// does nothing), and the CPU time the hash uses (Node's process.cpuUsage(); workerd's process in
// /proc/<pid>/stat, Linux only), which a loaded machine inflates less and which Workers bill. Cases
// interleave, so that drift in the machine's load affects them alike. Run: `npm run bench` (after
// `npm run build`: the Worker is bundled from dist/ as the workerd example is); results in
// docs/benchmarks.md and docs/runtimes.md.
import { readFileSync } from 'node:fs';
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

/** CPU milliseconds used so far: this process's, or workerd's (user + system clock ticks, at 100 a second). */
const nodeCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const workerdCpu = () => {
  const fields = readFileSync(`/proc/${workerd.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const onWorkerd = (route: string) => ({
  cpu: workerdCpu,
  run: () => fetch(`${url}${route}`, route === '/' ? {} : { method: 'POST', body: PASSWORD }).then((res) => res.text()),
});
const native = nativeHasher();
const portable = portableHasher();
const cases = {
  'native, Node': { cpu: nodeCpu, run: () => native.hash(PASSWORD) },
  'portable, Node': { cpu: nodeCpu, run: () => portable.hash(PASSWORD) },
  'portable, workerd': onWorkerd('/hash'),
  'portable, workerd, wrong password': onWorkerd('/wrong-password'),
  'portable, workerd, unknown user': onWorkerd('/unknown-user'),
  'workerd, empty request': onWorkerd('/'),
};
type Case = keyof typeof cases;

const wall = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]])) as Record<Case, number[]>;
const cpu = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]])) as Record<Case, number[]>;
for (const { run } of Object.values(cases)) await run(); // warm-up: JIT, the Worker's first request
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, { cpu: cpuNow, run }] of Object.entries(cases) as Array<[Case, (typeof cases)[Case]]>) {
    const [start, cpuStart] = [performance.now(), cpuNow()];
    await run();
    wall[name].push(performance.now() - start);
    cpu[name].push(cpuNow() - cpuStart);
  }
}
await workerd.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const request = median(wall['workerd, empty request']);
const base = median(cpu['native, Node']);
console.log(`argon2id m=19456 t=2 p=1, ${ROUNDS} interleaved rounds; workerd's wall times less ${request.toFixed(1)} ms for the request itself`);
console.log('| build, runtime | median ms waited | median CPU ms | CPU relative to native |');
console.log('| --- | --- | --- | --- |');
for (const name of Object.keys(cases) as Case[]) {
  if (name === 'workerd, empty request') continue;
  const waited = median(wall[name]) - (name.includes('workerd') ? request : 0);
  console.log(`| ${name} | ${waited.toFixed(0)} | ${median(cpu[name]).toFixed(0)} | ${(median(cpu[name]) / base).toFixed(1)} |`);
}
