// Starts an example app (`examples/<adapter>.ts`) as a real child process, the way a user runs it
// (`npm run example:<adapter>` is `exec node --import tsx examples/<adapter>.ts`), and stops it with a signal.
// Node runs the app itself: the tsx CLI would relay signals to a child and kill it 30 ms later.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AdapterName } from './adapters.js';
import { TEST_SECRET } from './tokens.js';

/** The repository root, from this file's location (test/support/). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

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
 * Runs `node --import tsx examples/<adapter>.ts` from the repository root with `PORT=0`, `HOST=127.0.0.1` and a fixed
 * `GATEPASS_SECRET`, and resolves once the app prints the line with its URL. Rejects, with the app's
 * stderr, if it exits first or says nothing within the timeout.
 */
export function startExample(adapter: AdapterName, options: StartOptions = {}): Promise<ExampleServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', GATEPASS_SECRET: TEST_SECRET };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', `${adapter}.ts`)], {
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
