// `npm run example:workerd`: the fetch tutorial (examples/workerd.ts) on Cloudflare's workerd, the binary of
// the `workerd` devDependency. workerd serves a bundle that a Cap'n Proto config describes, so this launcher,
// run by Node: bundles the Worker with esbuild, writes the config into a temporary folder, starts
// `workerd serve`, prints the URL line once workerd reports the port it listens on, and stops workerd on
// SIGTERM or SIGINT, then exits 0. PORT (0 for any free port), HOST and GATEPASS_SECRET as for every example
// app; every GATEPASS_* variable reaches the Worker as a binding, which nodejs_compat copies into process.env.
// startWorkerd() is exported for the tests, which run other Workers the same way.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The repository root. */
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The date whose Workers behaviour workerd gives the Worker
 * (https://developers.cloudflare.com/workers/configuration/compatibility-dates/). From 2026-08-04 on, that
 * includes nodejs_compat: node:* modules, and process.env filled from the text bindings.
 */
const COMPATIBILITY_DATE = '2026-11-01';

export interface WorkerdOptions {
  /** The Worker's module: an ES module whose default export has a `fetch` handler. */
  entry: string;
  host: string;
  /** 0 for any free port. */
  port: number;
  /** Text bindings, which the Worker also finds in process.env; `undefined` values are left out. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Files of installed packages that the Worker reads with node:fs, as `<package>/<file>`. */
  packageFiles?: readonly string[];
  /** Packages left out of the bundle: ones the Worker imports with import() only where workerd cannot run them. */
  external?: readonly string[];
  /** The workerd binary. Default: WORKERD_PATH, else node_modules/.bin/workerd. */
  binary?: string;
}

export interface RunningWorkerd {
  /** The port workerd listens on. */
  port: number;
  /** workerd's process id. */
  pid: number;
  /** Resolves with workerd's exit code (null when a signal ended it) once it exits. */
  exited: Promise<number | null>;
  /** Sends workerd SIGTERM; resolves with its exit code once it exited and its temporary folder is gone. */
  stop(): Promise<number | null>;
}

/** workerd's binary: WORKERD_PATH, else the `workerd` package's. */
export function workerdBinary(): string {
  return process.env.WORKERD_PATH ?? path.join(root, 'node_modules', '.bin', 'workerd');
}

// The files examples/tutorial.ts serves at /docs/<file>, and the package.json it finds them by.
const DOCS_FILES = ['swagger-ui-dist/package.json', 'swagger-ui-dist/swagger-ui.css', 'swagger-ui-dist/swagger-ui-bundle.js', 'swagger-ui-dist/favicon-32x32.png'];

/**
 * examples/tutorial.ts finds swagger-ui-dist with `createRequire(import.meta.url).resolve()`, which workerd has
 * not (a module there has no import.meta.url, and its require() no resolve()). In the bundle, node:module is this
 * stand-in: a package file resolves to where the config puts it, in workerd's /bundle folder, which node:fs reads.
 */
const nodeModuleStandIn: Plugin = {
  name: 'workerd-node-module',
  setup(bundle) {
    bundle.onResolve({ filter: /^node:module$/ }, () => ({ path: 'node:module', namespace: 'workerd-stand-in' }));
    bundle.onLoad({ filter: /.*/, namespace: 'workerd-stand-in' }, () => ({
      contents: "export function createRequire() { return { resolve: (id) => '/bundle/node_modules/' + id }; }",
      loader: 'js',
    }));
  },
};

/** A Cap'n Proto text literal. */
const text = (value: string): string => JSON.stringify(value);

/**
 * Bundles `entry` for workerd as wrangler does (ESM; the `workerd`, `worker` and `browser` conditions;
 * node:* left to nodejs_compat), writes the config into a temporary folder and starts `workerd serve` on it.
 * Resolves once workerd listens.
 */
export async function startWorkerd(options: WorkerdOptions): Promise<RunningWorkerd> {
  const env = Object.fromEntries(Object.entries(options.env ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const dir = await mkdtemp(path.join(tmpdir(), 'gatepass-workerd-'));
  try {
    await build({
      entryPoints: [options.entry],
      outfile: path.join(dir, 'worker.js'),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      external: ['node:*', 'cloudflare:*', ...(options.external ?? [])],
      // Not tsconfig.json's "paths" onto src/ (for tsx and Bun): `gatepass` and its subpaths resolve through the
      // package's own "exports" to dist/, as in an app that installed gatepass.
      tsconfigRaw: {},
      absWorkingDir: root,
      plugins: [nodeModuleStandIn],
      // tsup's entries import a shared chunk for its side effects, which "sideEffects": false lets esbuild drop.
      logOverride: { 'ignored-bare-import': 'silent' },
      logLevel: 'warning',
    });
    const requireFromRoot = createRequire(path.join(root, 'package.json'));
    const modules = ['(name = "worker.js", esModule = embed "worker.js")'];
    await mkdir(path.join(dir, 'files'));
    for (const [i, file] of (options.packageFiles ?? []).entries()) {
      const name = file.split('/').slice(0, file.startsWith('@') ? 2 : 1).join('/');
      const source = path.join(path.dirname(requireFromRoot.resolve(`${name}/package.json`)), file.slice(name.length + 1));
      await copyFile(source, path.join(dir, 'files', String(i)));
      modules.push(`(name = ${text(`node_modules/${file}`)}, data = embed ${text(`files/${i}`)})`);
    }
    // fromEnvironment: workerd reads each value from its environment, so a secret is never written to a file.
    const bindings = Object.keys(env).map((name) => `(name = ${text(name)}, fromEnvironment = ${text(name)})`);
    const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    await writeFile(
      path.join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = ${text(address)}, http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = ${text(COMPATIBILITY_DATE)},
  bindings = [${bindings.join(', ')}],
);
`,
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  // The control descriptor (fd 3) reports, as a line of JSON, the port each socket listens on.
  const child = spawn(options.binary ?? workerdBinary(), ['serve', path.join(dir, 'config.capnp'), '--control-fd=3'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  }).then(async (code) => {
    await rm(dir, { recursive: true, force: true });
    return code;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`workerd exited with code ${code} before it listened`)));
    createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
      if (message.event === 'listen' && message.socket === 'http' && typeof message.port === 'number') resolve(message.port);
    });
  });
  return {
    port,
    pid: child.pid!,
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // As examples/tutorial.ts's `address`, `announce` and `secret`, which this launcher cannot import: the tutorial
  // runs in the Worker, and importing it here would make a second key. The random key is made here because
  // workerd allows no random values while a Worker starts, where the tutorial makes its key.
  if (!existsSync(path.join(root, 'dist', 'fetch.js'))) {
    console.error('dist/ is missing: run `npm run build` first (the Worker is bundled from the built package)');
    process.exit(1);
  }
  // The tutorial loads node-redis, with import(), only for GATEPASS_REDIS_URL; node-redis needs Node's net module.
  if (process.env.GATEPASS_REDIS_URL) {
    console.error('GATEPASS_REDIS_URL: the workerd example keeps logouts in memory only (node-redis does not run on workerd)');
    process.exit(1);
  }
  const host = process.env.HOST ?? '127.0.0.1';
  if (!process.env.GATEPASS_SECRET && (process.env.GATEPASS_ALG || 'HS256').startsWith('HS')) {
    console.warn('GATEPASS_SECRET is not set: using a random key, so tokens will not survive a restart.');
    process.env.GATEPASS_SECRET = randomBytes(32).toString('hex');
  }
  const workerd = await startWorkerd({
    entry: path.join(root, 'examples', 'workerd.ts'),
    host,
    port: Number(process.env.PORT ?? 8000),
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => /^GATEPASS_\w+$/.test(name))),
    packageFiles: DOCS_FILES,
    external: ['redis'],
  });
  console.log(`gatepass tutorial listening on http://${host.includes(':') ? `[${host}]` : host}:${workerd.port}`);
  let stopping = false;
  const stop = () => {
    stopping = true;
    workerd.stop().then(
      (code) => process.exit(code === 0 ? 0 : 1),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  void workerd.exited.then((code) => {
    if (!stopping) process.exit(code || 1);
  });
}
