// The verified-token cache's memory bound: for each `maxBytes`, 60,000 different tokens (gatepass's
// header and claims, each with its own `jti`) are each verified twice in a row, which is what makes the
// cache keep a token, far more than any of these bounds holds; then the heap the engine holds is
// measured after full garbage collections (the heap with the engine, less the heap before it), less
// what an engine without the cache holds. Each case runs in fresh processes, so that no case inherits
// another's heap.
//
// Run: `node --expose-gc --import tsx bench/cache-memory.ts` (part of `npm run bench`); results in
// docs/benchmarks.md. Environment: TOKENS (default 60000).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTokens, type Tokens } from 'gatepass';
import { freshTokens } from './fresh-tokens.js';
import { machineLine } from './machine.js';

const TOKENS = Number(process.env.TOKENS ?? 60_000);
const SECRET = 'a-benchmark-secret-that-is-at-least-32-bytes';
const MIB = 2 ** 20;
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with node --expose-gc');

const { tokens } = await freshTokens(SECRET, TOKENS);

function heapUsed(): number {
  for (let i = 0; i < 3; i++) collect!();
  return process.memoryUsage().heapUsed;
}

/**
 * Verifies every token twice in a row (the second verification keeps it), and measures what the engine
 * holds: the heap with it, less the heap before it was made.
 */
async function fill(maxBytes: number | false): Promise<{ held: number; engine: Tokens }> {
  const before = heapUsed();
  const engine = createTokens({ secret: SECRET, verifiedTokenCache: maxBytes === false ? false : { maxBytes } });
  for (const token of tokens) {
    await engine.verify(token);
    await engine.verify(token);
  }
  return { held: heapUsed() - before, engine };
}

const CASE = process.env.CASE;
if (CASE !== undefined) {
  // One case in this process: print what the engine holds, for the parent to collect.
  const { held, engine } = await fill(CASE === 'none' ? false : Number(CASE));
  console.log(JSON.stringify({ held }));
  if (engine.keys === undefined) throw new Error('unreachable');
  process.exit(0);
}
// The parent: each case in fresh processes, three times, the median kept.
const RUNS = 3;
const measure = (which: string): number => {
  const held: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, CASE: which },
      encoding: 'utf8',
    });
    held.push((JSON.parse(output.trim().split('\n').at(-1)!) as { held: number }).held);
  }
  return held.sort((a, b) => a - b)[RUNS >> 1]!;
};
const without = measure('none');
const rows: string[] = [];
for (const maxBytes of [MIB, 4 * MIB, 16 * MIB]) {
  const cache = measure(String(maxBytes)) - without;
  // What the cache's own accounting lets it keep: two halves of what the table of once-verified tokens
  // leaves, at 200 bytes an entry and 3 a character.
  const slots = 2 ** Math.max(0, Math.floor(Math.log2(maxBytes / 128)));
  const most = 2 * Math.floor((maxBytes - 4 * slots) / 2 / (200 + 3 * tokens[0]!.length));
  rows.push(`| ${maxBytes / MIB} MiB${maxBytes === 4 * MIB ? ' (the default)' : ''} | ${most} | ${(cache / MIB).toFixed(2)} | ${(cache / maxBytes).toFixed(2)} |`);
}

console.log(
  `verified-token cache: ${TOKENS} tokens of ${tokens[0]!.length} characters, each verified twice in a row; the heap an engine holds ` +
    `after full collections, less an engine without the cache, the median of ${RUNS} processes per case`,
);
console.log(machineLine());
console.log('| maxBytes | tokens it can keep, by its accounting | heap the cache holds, MiB | held ÷ maxBytes |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
