import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The adapters: one per file in adapters/, each imported as `gatepass/<name>`. */
const adapters = readdirSync(path('./adapters'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length));

export default defineConfig({
  resolve: {
    // As in tsconfig "paths": code under test that imports the package by name (the example apps)
    // gets the sources, the same modules the unit tests import.
    alias: [
      { find: /^gatepass$/, replacement: path('./src/index.ts') },
      { find: /^gatepass\/password$/, replacement: path('./src/password.ts') },
      { find: new RegExp(`^gatepass/(${adapters.join('|')})$`), replacement: path('./adapters/$1.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // argon2 runs on the libuv pool; two workers keep hashing tests from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
