// Starts an example app as a real child process, the way a user runs it: the command line of its npm
// script (`npm run example:<name>`, e.g. `exec node --import tsx examples/express.ts`), and stops it with
// a signal. The example apps are one per adapter (examples/<adapter>.ts, on Node) and the fetch tutorial
// on the other runtimes (examples/bun.ts, examples/deno.ts, examples/workerd.ts). Node runs the app itself,
// not the tsx CLI, which would relay signals to a child and kill it 30 ms later; Bun and Deno are their npm
// packages' binaries in node_modules/.bin; workerd's is started by a Node launcher
// (examples/workerd/serve.ts), which finds it the same way.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AdapterName } from './adapters.js';
import { TEST_SECRET } from './tokens.js';

/** The repository root, from this file's location (test/support/). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The runtimes the fetch tutorial also runs on (contract, "Runtimes"), besides Node: each a runtime of the
 * fetch adapter, not an adapter, with its entry examples/<runtime>.ts and its script `example:<runtime>`.
 */
export const RUNTIME_NAMES = ['bun', 'deno', 'workerd'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** An example app: an adapter's (on Node) or a runtime's (the fetch tutorial). */
export type ExampleName = AdapterName | RuntimeName;

const isRuntime = (name: ExampleName): name is RuntimeName => (RUNTIME_NAMES as readonly string[]).includes(name);

/** A runtime's binary: BUN_PATH, DENO_PATH or WORKERD_PATH (point one at nothing to see the skip), else its npm package's. */
export function runtimeBinary(runtime: RuntimeName): string {
  return process.env[`${runtime.toUpperCase()}_PATH`] ?? path.join(repoRoot, 'node_modules', '.bin', runtime);
}

const versions = new Map<RuntimeName, string | null>();
/** What `<runtime> --version` prints, or null when the binary is missing or does not run. */
export function runtimeVersion(runtime: RuntimeName): string | null {
  if (!versions.has(runtime)) {
    const result = spawnSync(runtimeBinary(runtime), ['--version'], { encoding: 'utf8', timeout: 30_000 });
    versions.set(runtime, result.status === 0 ? result.stdout.trim().split('\n')[0]! : null);
  }
  return versions.get(runtime)!;
}

/** The command line of `npm run example:<name>`, from package.json, its program resolved. */
function commandOf(name: ExampleName): { program: string; args: string[] } {
  const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const script = scripts[`example:${name}`];
  const words = script?.split(/\s+/) ?? [];
  if (words[0] !== 'exec' || words.length < 3) throw new Error(`package.json: "example:${name}" should be "exec <program> …", not ${JSON.stringify(script)}`);
  const [program, ...args] = words.slice(1) as [string, ...string[]];
  if (program === 'node') return { program: process.execPath, args };
  if (isRuntime(name) && program === name) return { program: runtimeBinary(name), args };
  throw new Error(`package.json: "example:${name}" runs ${program}, which this harness does not know`);
}

/**
 * Deno imports `gatepass`, `gatepass/fetch` and `gatepass/password` from the build (the package's own
 * "exports"), as an installed package would be, and the workerd launcher bundles them from there: an
 * outdated dist/ would test other code than the sources.
 */
export function assertBuilt(): void {
  // The tracked files (nothing without git: then only a missing build is caught).
  const newest = (dir: string): number => {
    const files = (spawnSync('git', ['ls-files', dir], { cwd: repoRoot, encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
    return Math.max(0, ...files.map((file) => statSync(path.join(repoRoot, file), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  };
  const built = statSync(path.join(repoRoot, 'dist', 'fetch.js'), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) throw new Error('dist/fetch.js is missing: run `npm run build` (npm test builds first)');
  if (built < Math.max(newest('src'), newest('adapters'))) {
    throw new Error('dist/ is older than src/ or adapters/: run `npm run build` (npm test builds first)');
  }
}

export interface ExampleServer {
  /** The URL the app announced, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Everything the app printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Sends `signal` (default SIGTERM) and asserts the app exits with code 0 within `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Environment on top of `PORT=0`, `HOST=127.0.0.1` and `GATEPASS_SECRET`; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** How long to wait for the URL line. Default 30 s. */
  timeoutMs?: number;
}

const URL_LINE = /\bhttps?:\/\/[^\s/]+/;
const tail = (text: string): string => (text.length > 4000 ? `…${text.slice(-4000)}` : text) || '(nothing)';

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Runs the command of `npm run example:<name>` (e.g. `node --import tsx examples/express.ts`) from the
 * repository root with `PORT=0`, `HOST=127.0.0.1` and a fixed `GATEPASS_SECRET`, and resolves once the app
 * prints the line with its URL. Rejects, with the app's stderr, if it exits first or says nothing within
 * the timeout.
 */
export function startExample(adapter: ExampleName, options: StartOptions = {}): Promise<ExampleServer> {
  let command: { program: string; args: string[] };
  try {
    command = commandOf(adapter);
    if (adapter === 'deno' || adapter === 'workerd') assertBuilt();
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const { program, args } = command;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', GATEPASS_SECRET: TEST_SECRET };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(program, args, {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = exitOf(child);
  const describeOutput = () => `\n--- stderr ---\n${tail(stderr)}\n--- stdout ---\n${tail(stdout)}`;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 5_000): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`examples/${adapter}.ts did not exit within ${stopTimeoutMs} ms of ${signal}${describeOutput()}`);
    }
    if (outcome.code !== 0) {
      throw new Error(
        `examples/${adapter}.ts did not exit cleanly on ${signal}: code ${outcome.code}, signal ${outcome.signal}${describeOutput()}`,
      );
    }
  };

  return new Promise<ExampleServer>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`examples/${adapter}.ts ${message}${describeOutput()}`));
    };
    const timer = setTimeout(() => fail(`did not print its URL within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => fail(`could not be started: ${err.message}`));
    void exited.then(({ code, signal }) => fail(`exited before printing its URL (code ${code}, signal ${signal})`));
    child.stdout!.on('data', () => {
      if (settled) return;
      const complete = stdout.split('\n').slice(0, -1); // whole lines only
      const line = complete.find((candidate) => URL_LINE.test(candidate));
      if (line === undefined) return;
      settled = true;
      clearTimeout(timer);
      const url = (URL_LINE.exec(line) as RegExpExecArray)[0];
      resolve({
        url,
        get stdout() {
          return stdout;
        },
        get stderr() {
          return stderr;
        },
        stop,
      });
    });
  });
}
