// A real redis-server (Debian's package) for the tests, on a free loopback port, with nothing saved to
// disk. Started by the test that needs it; `redisServerVersion()` says whether the binary is there, so a
// suite can skip loudly when it is not, and fail under CI (.ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const BINARY = process.env.REDIS_SERVER_PATH ?? 'redis-server';

/** `redis-server --version`'s first line, or null when it does not run. */
export function redisServerVersion(): string | null {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (the port stays reserved for restart()). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    const onExit = (code: number | null) => fail(new Error(`redis-server exited with code ${code}:\n${output}`));
    child.once('exit', onExit);
    const onOutput = (chunk: string) => {
      output += chunk;
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.off('data', onOutput);
      resolve(child);
    };
    child.stdout!.setEncoding('utf8').on('data', onOutput);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  });
}

function terminate(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts redis-server on a free loopback port. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await terminate(child);
      child = undefined;
    },
    async restart() {
      if (child === undefined) child = await launch(port);
    },
    async close() {
      await terminate(child);
      child = undefined;
    },
  };
}

/**
 * Whether a suite that needs redis-server runs: when the binary runs, and always under CI (where a
 * missing one must fail, .ci/run installs it). Locally without it, the suite is skipped loudly.
 */
export function redisSuitesRun(what: string): boolean {
  if (redisServerVersion() !== null || process.env.CI) return true;
  console.warn(`SKIPPED ${what}: redis-server does not run (apt-get install redis-server)`);
  return false;
}
