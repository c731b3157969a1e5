// What the HTTP benchmarks share on the load generator's side: starting a server in its own process and
// waiting for its URL line, stopping it, rotating through pre-issued tokens, and running autocannon.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs `node --import tsx <...args>` and resolves once it prints a line with its URL. With `ipc`, the
 * child gets an IPC channel (for bench/http/monitor.ts). Its stderr is passed through.
 */
export async function startServer(args: readonly string[], options: { env?: NodeJS.ProcessEnv; ipc?: boolean } = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', ...(options.ipc ? ['ipc' as const] : [])],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const found = /https?:\/\/\S+/.exec(line);
      if (found) resolve(found[0].replace(/\/$/, ''));
    });
    void exited.then(() => reject(new Error(`${args.join(' ')} exited before it listened`)));
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The version of an installed package, for the tables' headings. */
export function versionOf(name: string): string {
  const manifest = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Hands out tokens from a list in turn: `next()` never gives the same token twice until the list is
 * used up (then it starts again, and `wrapped` says so).
 */
export class TokenCursor {
  #at = 0;
  wrapped = false;
  constructor(private readonly tokens: readonly string[]) {}
  next(): string {
    if (this.#at === this.tokens.length) {
      this.#at = 0;
      this.wrapped = true;
    }
    return this.tokens[this.#at++]!;
  }
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; or give `amount`. */
  duration?: number;
  amount?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A fresh `Authorization: Bearer …` for each request. */
  token?: () => string;
  /** Requests per second over all connections. */
  overallRate?: number;
  timeout?: number;
  /** Called with each answer's status, body and headers (names in lower case). */
  onResponse?: (status: number, body: string, headers: Record<string, unknown>) => void;
}

/**
 * One autocannon run. Every request goes through the same `setupRequest` whether its token changes or
 * not, so that the load generator does the same work per request in every case.
 */
export function load({ url, connections, duration, amount, method = 'GET', headers = {}, body, token, overallRate, timeout, onResponse }: LoadOptions): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    ...(amount === undefined ? { duration: duration ?? 1 } : { amount }),
    ...(overallRate === undefined ? {} : { overallRate }),
    ...(timeout === undefined ? {} : { timeout }),
    requests: [
      {
        method,
        ...(body === undefined ? {} : { body }),
        ...(onResponse === undefined
          ? {}
          : {
              onResponse: (status: number, text: string, _context: object, answered: object | undefined) =>
                onResponse(status, text, Object.fromEntries(Object.entries(answered ?? {}).map(([name, value]) => [name.toLowerCase(), value]))),
            }),
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token()}` }) },
        }),
      },
    ],
  });
}
