import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // argon2 runs on the libuv pool; two workers keep hashing tests from starving each other on 2 cores.
    maxWorkers: 2,
  },
});
