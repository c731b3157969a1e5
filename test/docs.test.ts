// The API reference builds without a warning: every export documented, every link resolved
// (typedoc.config.mjs treats warnings as errors).
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

it('builds the typedoc API reference with no warnings', () => {
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const output = execFileSync(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, encoding: 'utf8' });
  expect(output).not.toMatch(/warning|error/i);
}, 120_000);
