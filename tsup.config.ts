import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The CLI reaches the core only through the package's own entries, which stay imports of the built
 * `./index.js` and `./password.js`: the bin runs the very modules (and the one shared chunk) the
 * library ships, with no second copy of the core. Any other core module is an error here.
 */
const coreThroughEntries: EsbuildPlugin = {
  name: 'gatepass-core-through-entries',
  setup(build) {
    const entries = new Map([
      [resolve('src/index.ts'), './index.js'],
      [resolve('src/password.ts'), './password.js'],
    ]);
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      const entry = entries.get(file);
      if (entry !== undefined) return { path: entry, external: true };
      if (file.startsWith(resolve('src')) && !file.startsWith(resolve('src/cli'))) {
        return { errors: [{ text: `the CLI must import the core through src/index.ts or src/password.ts, not ${args.path}` }] };
      }
      return undefined;
    });
  },
};

/** One entry per file in adapters/: `adapters/<name>.ts` builds `dist/<name>.{js,cjs,d.ts,d.cts}`. */
const adapters = Object.fromEntries(
  readdirSync('adapters')
    .filter((file) => file.endsWith('.ts'))
    .map((file) => [file.slice(0, -'.ts'.length), `adapters/${file}`]),
);

export default defineConfig([
  {
    entry: { index: 'src/index.ts', password: 'src/password.ts', 'password-portable': 'src/password-portable.ts', ...adapters },
    format: ['esm', 'cjs'],
    // One shared chunk per format, so every entry of a format uses the same core module.
    splitting: true,
    dts: true,
    // Both builds run at once: keep the CLI's output if this one cleans after it was written.
    clean: ['!cli.js'],
    target: 'node20',
    platform: 'neutral',
    // Keep `node:os` as the sources write it: tsup strips the prefix by default, and on the neutral
    // platform esbuild leaves built-ins external only when told.
    removeNodeProtocol: false,
    // tsup leaves dependencies and peerDependencies external, not optionalDependencies: the portable
    // password build imports @noble/hashes from the app's node_modules like any other dependency.
    external: [/^node:/, /^@noble\/hashes\//],
    treeshake: true,
  },
  {
    // The `gatepass` bin: ESM only, its hashbang kept from the source, the core imported from the entries above.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    target: 'node20',
    platform: 'node',
    removeNodeProtocol: false,
    esbuildPlugins: [coreThroughEntries],
  },
]);
