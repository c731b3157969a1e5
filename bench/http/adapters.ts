// Requests per second through each adapter, on a real server in its own process: a bare route, a route
// behind gatepass's requireAuth (`resolveUser` a Map lookup) with a warm token (one token on every
// request) and with cold tokens (a fresh token on every request, from a list made beforehand), and
// the same route behind the best-known peer on the same framework, configured for the same check
// (HS256 only, the same secret, `exp` and a string `sub` naming a known user), in two variants each.
// autocannon, in this process, loads one server at a time with 16 connections; each case is warmed up,
// then measured in rounds that interleave the cases (their order turning each round), so that drift in
// the machine's load touches them alike. A case's ratio to bare is the median over the rounds of its
// rate divided by the bare route's rate in the same round, so that a burst of other work on the machine
// during one round does not decide it. Beside the rate, the server's own CPU time per request (user and
// system, from /proc on Linux) is reported: on a shared machine it moves less than the rate does, and
// its ratio says what a request costs the server whoever else is running. Every answer must be a 200,
// and before any timing each protected route must refuse a set of bad tokens with a 401. The servers
// run the built package (`npm run build`), as an app installs it.
//
// Run: `node --import tsx bench/http/adapters.ts` (part of `npm run bench`); ratios in docs/benchmarks.md.
// Environment: ADAPTERS (comma-separated; default all four), DURATION (seconds per case and round,
// default 1.5), ROUNDS (default 7), WARMUP (seconds, default 1), CONNECTIONS (default 16), TOKENS
// (cold tokens made, default 500000).
import { readFileSync } from 'node:fs';
import { SignJWT, base64url } from 'jose';
import { freshTokens } from '../fresh-tokens.js';
import { machineLine } from '../machine.js';
import { SECRET } from './common.js';
import { load, startServer, TokenCursor, versionOf } from './load.js';

const DURATION = Number(process.env.DURATION ?? 1.5);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const WARMUP = Number(process.env.WARMUP ?? 1);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const TOKENS = Number(process.env.TOKENS ?? 500_000);

interface Peer {
  path: string;
  label: string;
}
interface Adapter {
  server: string;
  framework: string;
  peers: Peer[];
}
const expressJwt = `express-jwt ${versionOf('express-jwt')}`;
const koaJwt = `koa-jwt ${versionOf('koa-jwt')}`;
const fastifyJwt = `@fastify/jwt ${versionOf('@fastify/jwt')}`;
const adapters: Record<string, Adapter> = {
  express: {
    server: 'bench/http/express.ts',
    framework: `Express ${versionOf('express')}`,
    peers: [
      { path: '/status-peer', label: `${expressJwt}, secret as a string` },
      { path: '/status-peer-key', label: `${expressJwt}, secret as a KeyObject` },
    ],
  },
  koa: {
    server: 'bench/http/koa.ts',
    framework: `Koa ${versionOf('koa')}, @koa/router ${versionOf('@koa/router')}`,
    peers: [
      { path: '/status-peer', label: `${koaJwt}, secret as a string` },
      { path: '/status-peer-key', label: `${koaJwt}, secret as a KeyObject` },
    ],
  },
  fastify: {
    server: 'bench/http/fastify.ts',
    framework: `Fastify ${versionOf('fastify')}`,
    peers: [
      { path: '/status-peer', label: `${fastifyJwt} (fast-jwt ${versionOf('fast-jwt')})` },
      { path: '/status-peer-cache', label: `${fastifyJwt}, verify.cache: true` },
    ],
  },
  fetch: {
    server: 'bench/http/fetch.ts',
    framework: `Hono ${versionOf('hono')} on @hono/node-server ${versionOf('@hono/node-server')}`,
    peers: [
      { path: '/status-peer', label: `hono/jwt ${versionOf('hono')}, secret as a string` },
      { path: '/status-peer-key', label: `hono/jwt ${versionOf('hono')}, secret as a CryptoKey` },
    ],
  },
};
const chosen = (process.env.ADAPTERS ?? Object.keys(adapters).join(',')).split(',').map((name) => name.trim());
for (const name of chosen) if (!(name in adapters)) throw new Error(`ADAPTERS: no adapter named ${name}; use ${Object.keys(adapters).join(', ')}`);

// Cold tokens, naming the servers' users in turn (bench/fresh-tokens.ts); the warm one gatepass issued.
const making = Date.now();
const { tokens: coldTokens, issued: warmToken } = await freshTokens(SECRET, TOKENS);
const issueSeconds = (Date.now() - making) / 1000;

// Tokens each protected route must refuse with a 401.
const key = new TextEncoder().encode(SECRET);
const now = Math.floor(Date.now() / 1000);
const sign = (payload: Record<string, unknown>, alg = 'HS256', with_ = key) => new SignJWT(payload).setProtectedHeader({ alg }).sign(with_);
const unsigned = (payload: object) => `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(payload))}.`;
const live = { sub: 'user1', iat: now, exp: now + 600 };
const refused: Record<string, string | undefined> = {
  'no token': undefined,
  'signed with another key': await sign(live, 'HS256', new TextEncoder().encode('another-secret-that-is-at-least-32-bytes-long')),
  expired: await sign({ ...live, iat: now - 700, exp: now - 600 }),
  'no exp': await sign({ sub: 'user1', iat: now }),
  'HS512 with the same secret': await sign(live, 'HS512'),
  'alg none': unsigned(live),
  'unknown sub': await sign({ ...live, sub: 'nobody' }),
  'numeric sub': await sign({ ...live, sub: 42 }),
};

async function checkRoute(url: string, label: string): Promise<void> {
  const status = async (token: string | undefined) =>
    (await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }).then(async (res) => [res.status, await res.text()] as const))[0];
  const problems: string[] = [];
  if ((await status(warmToken)) !== 200) problems.push('a valid token is refused');
  for (const [name, token] of Object.entries(refused)) {
    const got = await status(token);
    if (got !== 401) problems.push(`${name}: ${got}, not 401`);
  }
  if (problems.length > 0) throw new Error(`${label} at ${url} is not configured as it should be: ${problems.join('; ')}`);
}

interface Case {
  label: string;
  path: string;
  cold: boolean;
  role: 'bare' | 'gatepass' | 'peer';
}
interface Measured {
  /** Requests per second in each round. */
  rates: number[];
  p99: number[];
  /** The server's CPU time per request in each round, in µs (Linux only). */
  cpu: number[];
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A process's CPU time so far (user and system), in µs, from /proc; `undefined` where there is none. */
function cpuTime(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

console.log(`HTTP per adapter: ${CONNECTIONS} connections, ${WARMUP} s warm-up then ${ROUNDS} interleaved rounds of ${DURATION} s per case; req/s, p99 and CPU: the median round; ratio to bare: the median of the rounds' ratios; the built package; server and autocannon ${versionOf('autocannon')} in separate processes`);
console.log(`${machineLine()}; ${TOKENS} cold tokens made in ${issueSeconds.toFixed(1)} s`);

for (const name of chosen) {
  const adapter = adapters[name]!;
  const server = await startServer([adapter.server]);
  try {
    const cases: Case[] = [
      { label: 'bare route', path: '/healthz', cold: false, role: 'bare' },
      { label: 'gatepass requireAuth, warm token', path: '/status-gatepass', cold: false, role: 'gatepass' },
      { label: 'gatepass requireAuth, cold tokens', path: '/status-gatepass', cold: true, role: 'gatepass' },
      ...adapter.peers.flatMap(({ path, label }): Case[] => [
        { label: `${label}, warm token`, path, cold: false, role: 'peer' },
        { label: `${label}, cold tokens`, path, cold: true, role: 'peer' },
      ]),
    ];
    await checkRoute(`${server.url}/status-gatepass`, 'gatepass');
    for (const peer of adapter.peers) await checkRoute(`${server.url}${peer.path}`, peer.label);

    // One cursor per case: a cold case never sends a token its route has seen, warm-up included.
    const cursors = cases.map(() => new TokenCursor(coldTokens));
    const run = async (index: number, seconds: number) => {
      const item = cases[index]!;
      const cursor = cursors[index]!;
      const result = await load({
        url: `${server.url}${item.path}`,
        connections: CONNECTIONS,
        duration: seconds,
        token: item.cold ? () => cursor.next() : () => warmToken,
      });
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${name}, ${item.label}: ${result.non2xx} answers other than 2xx, ${result.errors} errors`);
      }
      return result;
    };
    for (let i = 0; i < cases.length; i++) await run(i, WARMUP);
    const measured: Measured[] = cases.map(() => ({ rates: [], p99: [], cpu: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cases.length; k++) {
        const index = (round + k) % cases.length;
        const before = cpuTime(server.child.pid);
        const result = await run(index, DURATION);
        const after = cpuTime(server.child.pid);
        measured[index]!.rates.push(result.requests.total / result.duration);
        measured[index]!.p99.push(result.latency.p99);
        if (before !== undefined && after !== undefined) measured[index]!.cpu.push((after - before) / result.requests.total);
      }
    }

    const rate = (index: number) => median(measured[index]!.rates);
    // Each round's rate against the bare route's in the same round, the median of those.
    const ratioToBare = (index: number) => median(measured[index]!.rates.map((value, round) => value / measured[0]!.rates[round]!));
    const cpu = (index: number) => (measured[index]!.cpu.length === ROUNDS ? median(measured[index]!.cpu) : undefined);
    const bareCpu = cpu(0);
    const bestPeerCold = Math.max(...cases.map((item, i) => (item.role === 'peer' && item.cold ? ratioToBare(i) : 0)));
    console.log();
    console.log(`### ${name}: ${adapter.framework}`);
    console.log('| case | req/s | p99 ms | ratio to bare | server CPU µs per request | CPU ratio (bare ÷ case) | target (ratio to bare) | met |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    cases.forEach((item, i) => {
      const ratio = ratioToBare(i);
      let target = '';
      let met = '';
      if (item.role === 'gatepass' && !item.cold) [target, met] = ['≥ 0.90', ratio >= 0.9 ? 'yes' : 'no'];
      if (item.role === 'gatepass' && item.cold) {
        [target, met] = ['≥ 0.60, ahead of every peer cold', ratio >= 0.6 && ratio > bestPeerCold ? 'yes' : 'no'];
      }
      const p99 = median(measured[i]!.p99);
      const used = cpu(i);
      const cpuCells = used === undefined || bareCpu === undefined ? '– | –' : `${used.toFixed(1)} | ${(bareCpu / used).toFixed(2)}`;
      console.log(`| ${item.label} | ${Math.round(rate(i))} | ${p99} | ${ratio.toFixed(2)} | ${cpuCells} | ${target} | ${met} |`);
    });
    if (cursors.some((cursor) => cursor.wrapped)) console.log(`(a cold case used more than ${TOKENS} tokens and sent some twice: raise TOKENS)`);
  } finally {
    await server.stop();
  }
}
