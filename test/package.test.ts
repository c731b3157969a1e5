// The package as users load it: the built output under dist/ (npm test builds before vitest), reached
// through the package's own "exports" by name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a script with Node in the package root, so `gatepass` resolves to this package's exports. */
function node(source: string, type: 'commonjs' | 'module'): string {
  const flag = type === 'module' ? '--input-type=module' : '--input-type=commonjs';
  return execFileSync(process.execPath, [flag, '-e', source], { cwd: root, encoding: 'utf8' }).trim();
}

describe('one copy of the core in memory', () => {
  it('shares AuthError between import and require, across entries', () => {
    const out = node(
      `
      const cjs = require('gatepass');
      const password = require('gatepass/password');
      import('gatepass').then(async (esm) => {
        const thrown = await password.createPasswordHasher({ maxPasswordBytes: 1 }).hash('xx').catch((e) => e);
        const verified = await esm.createTokens({ secret: 'x'.repeat(32) }).verify('x').catch((e) => e);
        console.log(JSON.stringify({
          sameClass: cjs.AuthError === esm.AuthError,
          passwordErrorIsAuthError: thrown instanceof esm.AuthError && thrown instanceof cjs.AuthError,
          tokenErrorIsBearerError: verified instanceof cjs.BearerError && verified instanceof esm.AuthError,
          code: thrown.code,
        }));
      });`,
      'commonjs',
    );
    expect(JSON.parse(out)).toEqual({
      sameClass: true,
      passwordErrorIsAuthError: true,
      tokenErrorIsBearerError: true,
      code: 'ERR_PASSWORD_TOO_LONG',
    });
  });

  it('shares one core chunk between the CommonJS entries too, for loaders without require(esm)', () => {
    const out = node(
      `
      const index = require('./dist/index.cjs');
      const password = require('./dist/password.cjs');
      password.createPasswordHasher({ maxPasswordBytes: 1 }).hash('xx').catch((e) => {
        console.log(String(e instanceof index.AuthError));
      });`,
      'commonjs',
    );
    expect(out).toBe('true');
  });

  it('loads the ESM build for both require and import on Node with require(esm) ("module-sync")', () => {
    const out = node(
      `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      console.log(require.resolve('gatepass') + ' ' + import.meta.resolve('gatepass'));`,
      'module',
    );
    const [required, imported] = out.split(' ');
    expect(required).toBe(join(root, 'dist', 'index.js'));
    expect(imported).toBe(`file://${join(root, 'dist', 'index.js')}`);
  });
});

describe('gatepass/password where no native addon loads', () => {
  const PORTABLE_CONDITIONS = ['workerd', 'edge-light', 'worker', 'browser'];
  const run = (args: string[], source: string) =>
    execFileSync(process.execPath, [...args, '--input-type=module', '-e', source], { cwd: root, encoding: 'utf8' }).trim();

  it.each(PORTABLE_CONDITIONS)('resolves to the portable build under the %s condition, sharing the core with `gatepass`', (condition) => {
    const out = run(
      [`--conditions=${condition}`],
      `
      const { AuthError } = await import('gatepass');
      const { createPasswordHasher } = await import('gatepass/password');
      const thrown = await createPasswordHasher({ maxPasswordBytes: 1 }).hash('xx').catch((e) => e);
      console.log(JSON.stringify({ resolved: import.meta.resolve('gatepass/password'), isAuthError: thrown instanceof AuthError }));`,
    );
    expect(JSON.parse(out)).toEqual({ resolved: `file://${join(root, 'dist', 'password-portable.js')}`, isAuthError: true });
  });

  it('resolves to the native build on Node without those conditions', () => {
    expect(run([], "console.log(import.meta.resolve('gatepass/password'))")).toBe(`file://${join(root, 'dist', 'password.js')}`);
  });

  // esbuild's browser platform adds the `browser` condition; wrangler and Vercel's edge bundler name theirs.
  it.each([
    ['browser', []],
    ['neutral', ['workerd', 'worker', 'browser']],
    ['neutral', ['edge-light', 'worker', 'browser']],
  ] as const)('bundles for the %s platform with the conditions %j, with no Node built-in and no native addon', async (platform, conditions) => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: "export { createPasswordHasher } from 'gatepass/password';", resolveDir: root, loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform,
      conditions: [...conditions],
      mainFields: ['module', 'main'],
      // The package's "exports", not tsconfig.json's "paths" onto src/.
      tsconfigRaw: {},
      metafile: true,
      logLevel: 'silent',
      logOverride: { 'ignored-bare-import': 'silent' },
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('dist/password-portable.js');
    expect(inputs.filter((input) => /@node-rs|^node:|dist\/password\.js$/.test(input))).toEqual([]);
    expect(Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((load) => load.path))).toEqual([]);
  });
});

/** The import specifiers of a TypeScript source file. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
}

/** What the root entry and gatepass/fetch load: jose, and the login throttle's ipaddr.js and rate-limiter-flexible modules. */
const THROTTLE_AND_JOSE = ['ipaddr.js/lib/ipaddr.js', 'jose', 'rate-limiter-flexible/lib/RateLimiterMemory.js', 'rate-limiter-flexible/lib/RateLimiterRedis.js', 'rate-limiter-flexible/lib/RateLimiterRes.js'];

describe('the core stays pure', () => {
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, 'src', f));

  it('imports no framework and no node:http anywhere in src/', () => {
    const external = new Set(files.flatMap(importsOf).filter((s) => !s.startsWith('.')));
    // node:crypto, node:fs, node:readline and node:util are the CLI's (src/cli.ts, src/cli/), outside the
    // root entry's graph; so is yaml, which the CLI loads with import() for --format yaml only.
    // rate-limiter-flexible and ipaddr.js by the paths of the modules the login throttle uses; the bare
    // rate-limiter-flexible only in src/throttle/deep-imports.d.ts, which borrows its types.
    expect([...external].sort()).toEqual([
      '@noble/hashes/argon2.js',
      '@node-rs/argon2',
      'ipaddr.js/lib/ipaddr.js',
      'jose',
      'node:crypto',
      'node:fs',
      'node:os',
      'node:readline',
      'node:util',
      'rate-limiter-flexible',
      'rate-limiter-flexible/lib/RateLimiterMemory.js',
      'rate-limiter-flexible/lib/RateLimiterRedis.js',
      'rate-limiter-flexible/lib/RateLimiterRes.js',
    ]);
  });

  it('keeps node:* and native code out of the root entry\'s import graph', () => {
    const { external, files } = sourceGraph('src/index.ts');
    expect(external).toEqual(THROTTLE_AND_JOSE);
    expect(files).not.toContain('src/password.ts');
  });

  it("builds a root entry whose module graph reaches only jose and the login throttle's ipaddr.js and rate-limiter-flexible", () => {
    const external = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const built = readFileSync(join(root, 'dist', file), 'utf8');
      for (const [, specifier] of built.matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)) {
        if (specifier!.startsWith('./')) visit(specifier!.slice(2));
        else external.add(specifier!);
      }
    };
    visit('index.js');
    expect([...external].sort()).toEqual(THROTTLE_AND_JOSE);
    expect(seen.size).toBeGreaterThan(1);
  });

  /** The packages a source file's static import graph reaches, and the files it visits. */
  function sourceGraph(entry: string): { external: string[]; files: string[] } {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else external.add(specifier);
      }
    };
    visit(join(root, entry));
    return { external: [...external].sort(), files: [...seen].map((f) => f.slice(root.length + 1)) };
  }

  it('keeps node:*, Buffer and native code out of gatepass/fetch\'s import graph, the form reader included', () => {
    const { external, files } = sourceGraph('adapters/fetch.ts');
    expect(external).toEqual(THROTTLE_AND_JOSE);
    expect(files).toContain('src/grant/multipart.ts');
    // The code, not its comments (whose examples read process.env).
    const code = (file: string) => readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    for (const file of files) expect(code(file), file).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(/);
  });

  it("builds gatepass/fetch with a module graph that reaches only jose and the login throttle's ipaddr.js and rate-limiter-flexible", () => {
    const external = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, specifier] of readFileSync(join(root, 'dist', file), 'utf8').matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)) {
        if (specifier!.startsWith('./')) visit(specifier!.slice(2));
        else external.add(specifier!);
      }
    };
    visit('fetch.js');
    expect([...external].sort()).toEqual(THROTTLE_AND_JOSE);
  });
});

/**
 * A fetch app as a Worker or a browser's service worker would hold it: `gatepass/fetch` (the built
 * files) with a protected route and the token endpoint, and no way to reach Node.
 */
const FETCH_APP = `
  import { createGatepass } from './dist/index.js';
  import { requireAuth, tokenEndpoint } from './dist/fetch.js';
  const auth = createGatepass({
    secret: 'a-test-secret-that-is-at-least-32-bytes-long',
    scopes: { me: 'Read information about the current user.' },
    verifyCredentials: ({ username, password }) => (password === 'secret' ? { subject: username, scopes: ['me'] } : null),
    resolveUser: (claims) => ({ username: claims.sub }),
  });
  const me = requireAuth(auth, { scopes: ['me'] })((request, { user }) => Response.json(user));
  const token = tokenEndpoint(auth);
  export default { fetch: (request) => (new URL(request.url).pathname === '/token' ? token(request) : me(request)) };
`;

describe('bundled for runtimes without Node', () => {
  it.each(['browser', 'neutral'] as const)('bundles a fetch app for platform %s with no Node built-in, and it logs in', async (platform) => {
    const result = await build({
      stdin: { contents: FETCH_APP, resolveDir: root, sourcefile: 'app.js', loader: 'js' },
      bundle: true,
      platform,
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const imported = Object.values(result.metafile!.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imported.filter((path) => path.startsWith('node:') || isBuiltin(path))).toEqual([]);
    const code = result.outputFiles![0]!.text;
    const loads = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g)].map((m) => m[2] as string);
    expect(loads.filter((specifier) => specifier.startsWith('node:') || isBuiltin(specifier))).toEqual([]);
    expect(loads.filter((specifier) => !specifier.startsWith('.'))).toEqual([]);

    // The bundle runs: a token from a form that streams in, then the protected route with it.
    const dir = mkdtempSync(join(tmpdir(), 'gatepass-bundle-'));
    try {
      writeFileSync(join(dir, 'app.mjs'), code);
      const app = ((await import(pathToFileURL(join(dir, 'app.mjs')).href)) as { default: { fetch: (request: Request) => Promise<Response> } }).default;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of ['username=john', 'doe&password=sec', 'ret&scope=me']) controller.enqueue(new TextEncoder().encode(part));
          controller.close();
        },
      });
      const login = await app.fetch(
        new Request('http://localhost/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, duplex: 'half' } as RequestInit),
      );
      expect(login.status).toBe(200);
      const { access_token } = (await login.json()) as { access_token: string };
      const me = await app.fetch(new Request('http://localhost/users/me', { headers: { authorization: `Bearer ${access_token}` } }));
      expect([me.status, await me.json()]).toEqual([200, { username: 'johndoe' }]);
      const data = new FormData();
      data.append('username', 'johndoe');
      data.append('password', 'wrong');
      const refused = await app.fetch(new Request('http://localhost/token', { method: 'POST', body: data }));
      expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Every file under dist/, as a path relative to it. */
const distFiles = (): string[] => readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.[cm]?ts$|\.[cm]?js$/.test(f));

/**
 * The module specifiers a built file loads: `import … from`, `export … from`, `import '…'`, `import('…')`
 * and `require('…')`, each marked static or dynamic (`import()`).
 */
function specifiersOf(file: string): Array<{ specifier: string; dynamic: boolean }> {
  const source = readFileSync(join(root, 'dist', file), 'utf8');
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*|\b(import|require)\s*\(\s*)(['"])([^'"\n]+)\2/g)].map((m) => ({
    specifier: m[3] as string,
    dynamic: m[1] === 'import',
  }));
}

describe('the built files', () => {
  it('import and require every Node built-in by its node: name, as the sources do', () => {
    const loads = distFiles().flatMap((file) => specifiersOf(file).map(({ specifier }) => ({ file, specifier })));
    const builtins = loads.filter(({ specifier }) => isBuiltin(specifier));
    // password.js and password.cjs load node:os, the CLI node:fs, node:readline and node:util.
    for (const file of ['password.js', 'password.cjs', 'cli.js']) expect(builtins.map((load) => load.file), file).toContain(file);
    expect(builtins.filter(({ specifier }) => !specifier.startsWith('node:')).map(({ file, specifier }) => `${file}: ${specifier}`)).toEqual([]);
  });

  /** The package a bare specifier names: `@scope/name` or `name`. */
  const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    optionalDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };

  it('depend on exactly the packages the library entries load, so an app installs nothing it does not run', () => {
    // The code of every library entry and chunk, ESM and CommonJS; not the CLI, nor the types.
    const library = distFiles().filter((file) => /\.c?js$/.test(file) && file !== 'cli.js');
    const loaded = new Set(
      library
        .flatMap(specifiersOf)
        .map(({ specifier }) => specifier)
        .filter((specifier) => !specifier.startsWith('.') && !isBuiltin(specifier))
        .map(packageOf),
    );
    // The frameworks are the app's, as optional peers.
    const needed = [...loaded].filter((name) => !Object.hasOwn(pkg.peerDependencies, name));
    expect(Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).sort()).toEqual(needed.sort());
    expect(needed.sort()).toEqual(['@noble/hashes', '@node-rs/argon2', 'fastify-plugin', 'ipaddr.js', 'jose', 'rate-limiter-flexible']);
  });

  it('load the optional dependency, @noble/hashes, from the portable password build only', () => {
    const loaders = distFiles().filter((file) => specifiersOf(file).some(({ specifier }) => packageOf(specifier) === '@noble/hashes'));
    expect(loaders.sort()).toEqual(['password-portable.cjs', 'password-portable.js']);
    expect(Object.keys(pkg.optionalDependencies)).toEqual(['@noble/hashes']);
  });

  it('give the CLI nothing of its own to install: it loads the entries, node: built-ins, and optional peers on demand', () => {
    const loads = specifiersOf('cli.js').filter(({ specifier }) => !specifier.startsWith('.') && !isBuiltin(specifier));
    expect(loads.length).toBeGreaterThan(0);
    for (const { specifier, dynamic } of loads) {
      const name = packageOf(specifier);
      expect(pkg.dependencies, name).not.toHaveProperty(name);
      expect(pkg.peerDependenciesMeta[name]?.optional, `${name} is an optional peer dependency`).toBe(true);
      // Installed for the tests.
      expect(pkg.devDependencies, name).toHaveProperty(name);
      // Loaded only by the command that needs it, so every other command runs without it.
      expect(dynamic, `${name} is loaded with import()`).toBe(true);
    }
  });
});

describe('package metadata', () => {
  it('passes publint', async () => {
    const { publint } = await import('publint');
    const { messages } = await publint({ pkgDir: root, strict: true });
    expect(messages).toEqual([]);
  });

  it('resolves types and code for every entry under node16 and bundler resolution (arethetypeswrong)', () => {
    // node10 resolution predates "exports" and cannot reach subpaths; the package needs Node 20.19+.
    const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    const output = execFileSync(process.execPath, [attw, '--pack', '.', '--profile', 'node16', '--format', 'ascii'], {
      cwd: root,
      encoding: 'utf8',
    });
    // attw exits non-zero on a problem (execFileSync throws); every judged resolution is also green.
    const judged = output.split('\n').filter((line) => /^(node16 \(from (CJS|ESM)\)|bundler):/.test(line));
    // Three resolutions for each entry of the exports map (the adapters, `.`, `./password`, `./package.json`).
    const entries = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: object }).exports);
    expect(judged).toHaveLength(entries.length * 3);
    for (const line of judged) expect(line).toMatch(/: 🟢/);
  }, 120_000);
});
