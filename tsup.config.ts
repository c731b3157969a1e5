import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    password: 'src/password.ts',
    express: 'adapters/express.ts',
    koa: 'adapters/koa.ts',
    fastify: 'adapters/fastify.ts',
    fetch: 'adapters/fetch.ts',
  },
  format: ['esm', 'cjs'],
  // One shared chunk per format, so every entry of a format uses the same core module.
  splitting: true,
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'neutral',
  treeshake: true,
});
