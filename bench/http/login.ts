// Logins under load, against the example app itself (examples/<adapter>.ts, Express by default) in its
// own process, with bench/http/monitor.ts preloaded to measure its event loop and memory: `POST /token`
// from 1, 8 and 64 concurrent clients (logins/s, latency), each time beside a client sending a
// protected request (`GET /users/me/`, a warm token) at a low steady rate, whose p99 latency says
// whether a request that needs no hash still gets through while hashes run (as that client, in a process
// of its own, saw it, and as the server spent it: from its 'request' event to the end of its answer);
// then, against a freshly
// started app, a flood of 1,000 logins at once, for the peak resident set size and how many the
// hashing queue turns away.
//
// Run: `node --import tsx bench/http/login.ts` (part of `npm run bench`); results in docs/benchmarks.md.
// Environment: ADAPTER (express, koa, fastify, fetch; default express), DURATION (seconds per case,
// default 5), FLOOD (logins in the flood, default 1000).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { machineLine } from '../machine.js';
import { SECRET } from './common.js';
import type { MonitorReport } from './monitor.js';
import { load, startServer, type RunningServer } from './load.js';

const ADAPTER = process.env.ADAPTER ?? 'express';
const DURATION = Number(process.env.DURATION ?? 5);
const FLOOD = Number(process.env.FLOOD ?? 1000);
const PROTECTED_RATE = 20;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const LOGIN = 'grant_type=password&username=johndoe&password=secret';

interface App extends RunningServer {
  /** Asks the app's monitor for its measurements (`reset` also starts new ones). */
  monitor(message: 'reset' | 'report'): Promise<MonitorReport>;
  /** A bearer token from one login, which also checks that logins and /users/me/ work. */
  token: string;
}
async function startApp(): Promise<App> {
  const server = await startServer(['--import', './bench/http/monitor.ts', `examples/${ADAPTER}.ts`], {
    env: { PORT: '0', HOST: '127.0.0.1', GATEPASS_SECRET: SECRET },
    ipc: true,
  });
  const login = await fetch(`${server.url}/token`, { method: 'POST', headers: FORM, body: LOGIN });
  if (login.status !== 200) throw new Error(`POST /token answered ${login.status}`);
  const token = ((await login.json()) as { access_token: string }).access_token;
  const me = await fetch(`${server.url}/users/me/`, { headers: { authorization: `Bearer ${token}` } });
  if (me.status !== 200) throw new Error(`GET /users/me/ answered ${me.status}`);
  return {
    ...server,
    token,
    async monitor(message) {
      const answer = once(server.child, 'message') as Promise<[MonitorReport]>;
      server.child.send(message);
      return (await answer)[0];
    },
  };
}
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
/** What a load run reports that this benchmark reads. */
interface Measured {
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
const clean = <Result extends Measured>(result: Result, what: string): Result => {
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${what}: ${result.non2xx} answers other than 2xx, ${result.errors} errors`);
  return result;
};

const rows: string[] = [];
const app = await startApp();
try {
  // In a process of its own (bench/http/protected-client.ts), so that its timings never wait behind the
  // login connections in this process's event loop; it starts once it is loaded.
  const protectedRequests = async (duration: number): Promise<Measured> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http/protected-client.ts', `${app.url}/users/me/`, app.token, String(duration), String(PROTECTED_RATE)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const [first] = (await once(lines, 'line')) as [string];
    if (first !== 'ready') throw new Error(`protected-client: ${first}`);
    child.stdin!.write('go\n');
    const [report] = (await once(lines, 'line')) as [string];
    const { p99, non2xx, errors } = JSON.parse(report) as { p99: number; non2xx: number; errors: number };
    return { latency: { p99 }, non2xx, errors };
  };
  const logins = (connections: number, duration: number) =>
    load({ url: `${app.url}/token`, connections, duration, method: 'POST', headers: FORM, body: LOGIN, timeout: 30 });

  // Warm-up: JIT, the first hashes, the sockets.
  await Promise.all([logins(2, 1), protectedRequests(1)]);

  await app.monitor('reset');
  const quiet = clean(await protectedRequests(DURATION), 'protected requests alone');
  const quietReport = await app.monitor('report');
  rows.push(`| none | – | – | – | ${quiet.latency.p99} | ${quietReport.protectedP99.toFixed(1)} | ${quietReport.eventLoopP99.toFixed(1)} | ${mib(quietReport.peakRss)} | |`);
  for (const clients of [1, 8, 64]) {
    // The logins a finished case left in flight are still hashed (a client that went away does not
    // stop its hash): let them finish, so that they take no place in this case's queue.
    await delay(2000);
    await app.monitor('reset');
    const [loginResult, beside] = await Promise.all([logins(clients, DURATION), protectedRequests(DURATION)]);
    const report = await app.monitor('report');
    clean(loginResult, `${clients} login clients`);
    clean(beside, `protected requests beside ${clients} login clients`);
    const rate = loginResult['2xx'] / loginResult.duration;
    const target =
      clients === 64
        ? `protected p99 < 20 ms: client ${beside.latency.p99 < 20 ? 'yes' : 'no'}, server ${report.protectedP99 < 20 ? 'yes' : 'no'}; event-loop p99 < 20 ms: ${report.eventLoopP99 < 20 ? 'yes' : 'no'}`
        : '';
    rows.push(
      `| ${clients} | ${rate.toFixed(0)} | ${loginResult.latency.p50} | ${loginResult.latency.p99} | ${beside.latency.p99} | ${report.protectedP99.toFixed(1)} | ${report.eventLoopP99.toFixed(1)} | ${mib(report.peakRss)} | ${target} |`,
    );
  }
} finally {
  await app.stop();
}

// The flood, against a fresh app: every login at once, one per connection.
const fresh = await startApp();
let refusal = 'none';
const idle = await fresh.monitor('reset');
const flood = await load({
  url: `${fresh.url}/token`,
  connections: FLOOD,
  amount: FLOOD,
  method: 'POST',
  headers: FORM,
  body: LOGIN,
  timeout: 30,
  onResponse: (status, body, headers) => {
    if (status === 503 && refusal === 'none') refusal = `503 ${(JSON.parse(body) as { error?: string }).error}, Retry-After: ${String(headers['retry-after'])}`;
  },
});
const flooded = await fresh.monitor('report');
await fresh.stop();
const busy = flood.statusCodeStats?.['503']?.count ?? 0;

const hashes = Math.min(4, availableParallelism());
console.log(`Logins under load against examples/${ADAPTER}.ts (argon2id m=19456 t=2 p=1), ${DURATION} s per case; beside each, GET /users/me/ at ${PROTECTED_RATE} req/s from one more client`);
console.log(machineLine());
console.log('| login clients | logins/s | login p50 ms | login p99 ms | protected p99 ms, client | protected p99 ms, in the server | event-loop delay p99 ms | peak RSS MiB | target |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log();
console.log(
  `The hashing queue (createPasswordHasher's defaults, which the example uses): ${hashes} hashes at once ` +
    `(the CPUs, at most 4), each holding 19 MiB, so at most ${hashes * 19} MiB of argon2 memory; 64 more wait; ` +
    `a login beyond those is answered at once (here: ${refusal}).`,
);
console.log('| login flood, fresh app | requests | 200 | 503 | other | RSS before MiB | peak RSS MiB |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(
  `| ${FLOOD} at once | ${flood.requests.total} | ${flood['2xx']} | ${busy} | ${flood.requests.total - flood['2xx'] - busy + flood.errors} | ${mib(idle.rss)} | ${mib(flooded.peakRss)} |`,
);
