// Reading the Authorization header must cost time linear in its length: a value made to backtrack a
// regex (a long run of spaces inside it) should cost about what an ordinary value of the same size
// costs. Run: `npm run bench`; results as ratios in docs/benchmarks.md.
import { parseAuthorizationHeader } from 'gatepass';

const ITERATIONS = Number(process.env.ITERATIONS ?? 2_000);
const SIZE = 16 * 1024; // Node's default limit on the whole header section

const token = 'a'.repeat(SIZE - 'Bearer '.length);
const cases: Record<string, string> = {
  'a 16 KiB token': `Bearer ${token}`,
  '16 KiB of spaces inside the value': `Bearer${' '.repeat(SIZE - 'Bearer!x'.length)}!x`,
  '16 KiB of tabs inside the value': `${'\t'.repeat(SIZE / 2)}x${'\t'.repeat(SIZE / 2)}y`,
};

const parse = (value: string) => {
  try {
    parseAuthorizationHeader(value);
  } catch {
    // a refusal is an answer too
  }
};

const elapsed: Record<string, number> = {};
for (const [name, value] of Object.entries(cases)) {
  for (let i = 0; i < 200; i++) parse(value); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) parse(value);
  elapsed[name] = Number(process.hrtime.bigint() - start) / 1e6;
}

const base = elapsed['a 16 KiB token']!;
console.log(`Authorization header parsing, ${ITERATIONS} parses per case`);
console.log('| case | µs per parse | time relative to a 16 KiB token |');
console.log('| --- | --- | --- |');
for (const [name, ms] of Object.entries(elapsed)) {
  console.log(`| ${name} | ${((ms * 1000) / ITERATIONS).toFixed(1)} | ${(ms / base).toFixed(2)} |`);
}
