// The package.json scripts that start the tutorial app, run the way a user runs them: `npm run <script>`
// in a child process, with PORT and HOST set. A process manager, a container or a test harness stops
// what it started with SIGTERM to that npm process; the app must stop with it and free its port.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './support/example-server.js';
import { TEST_SECRET } from './support/tokens.js';

const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** `demo` and every `example:<adapter>`. */
const STARTERS = Object.keys(scripts).filter((name) => name === 'demo' || name.startsWith('example:'));

/** The environment for npm, without what an outer `npm test` or vitest put in it. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$|PORT$|HOST$)/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something on 127.0.0.1 accepts a TCP connection on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true); // something holds the port but does not answer: not free
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Each child runs in a process group of its own (detached), so everything it started can be killed. */
const groups: number[] = [];

afterEach(() => {
  // Whatever happened, nothing this file started outlives the test: npm, the shell, node, tsx's esbuild.
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
});

describe.each(STARTERS)('npm run %s', (script) => {
  it('serves the app, then stops it and frees the port on SIGTERM to npm', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', script], {
      cwd: repoRoot,
      env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', GATEPASS_SECRET: TEST_SECRET }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) groups.push(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const output = () => `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

    // The line the app prints once it listens.
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (!stdout.split('\n').some((line) => line.includes(url))) {
      if (!running(child)) throw new Error(`npm run ${script} exited before printing ${url}${output()}`);
      if (Date.now() > deadline) throw new Error(`npm run ${script} did not print ${url} within 30 s${output()}`);
      await sleep(50);
    }
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    process.kill(child.pid!, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    expect(stopped, `npm run ${script} still runs 5 s after SIGTERM${output()}`).toBe(true);
    // The app's own SIGTERM handler closed the server and exited 0, and npm passed that on.
    expect({ code: child.exitCode, signal: child.signalCode }, output()).toEqual({ code: 0, signal: null });
    let open = await accepts(port);
    for (const end = Date.now() + 3_000; open && Date.now() < end; open = await accepts(port)) await sleep(100);
    expect(open, `port ${port} still accepts connections after npm run ${script} exited${output()}`).toBe(false);
  }, 60_000);
});
