// Observes what the process writes while a request is served: process.stdout/stderr writes and the console
// methods. The spies record and swallow the text (so a framework's own error logging does not clutter the
// test report); nothing under test is replaced.
import { format } from 'node:util';
import { expect, vi } from 'vitest';

const CONSOLE = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;

/** Runs `fn`, then waits for late writes (a framework logging after the response), and returns all output. */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const record = (chunk: unknown): boolean => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record as typeof process.stdout.write),
    vi.spyOn(process.stderr, 'write').mockImplementation(record as typeof process.stderr.write),
    ...CONSOLE.map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(format(...args));
      }),
    ),
  ];
  try {
    const result = await fn();
    // Let error handlers that log after the answer (Koa's onerror on a closed socket) run.
    await new Promise((resolve) => setTimeout(resolve, 25));
    return { result, output: lines.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** A stack frame or a source location: `    at fn (/path/file.ts:1:2)`, `file:///…`, `node_modules/…`. */
const STACK = /^\s*at\s|\bat [\w$.<>[\] ]+ \(|(?:\/[\w.@-]+)+\.(?:ts|js|mjs|cjs):\d+|file:\/\/|node_modules\//m;

/** Asserts `text` holds none of `secrets` and no stack trace or source path. */
export function expectNoLeak(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) expect(text.includes(secret), `${where} holds ${JSON.stringify(secret.slice(0, 24))}…:\n${text}`).toBe(false);
  expect(text, `${where} holds a stack trace or a source path`).not.toMatch(STACK);
}

/**
 * Asserts log output holds none of `secrets`. Stack frames are allowed only when every one of them is a
 * Node-internal frame (`node:…`): Koa's default error handler prints the stack of Node's own parse error
 * when a client cuts a body short, which holds no app path and no request data.
 */
export function expectNoLeakInLogs(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) expect(text.includes(secret), `${where} holds ${JSON.stringify(secret.slice(0, 24))}…:\n${text}`).toBe(false);
  const frames = text.split('\n').filter((line) => /^\s*at\s/.test(line));
  for (const frame of frames) expect(frame, `${where}: a stack frame outside Node's internals`).toMatch(/\(node:[\w/]+:\d+:\d+\)$|at node:[\w/]+:\d+:\d+$/);
  expect(text, `${where} holds a source path`).not.toMatch(/(?:\/[\w.@-]+)+\.(?:ts|js|mjs|cjs):\d+|file:\/\/|node_modules\//);
}
