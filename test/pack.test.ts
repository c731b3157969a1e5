// The package as a user installs it: `npm pack`, a fresh consumer project that installs the tarball, and
// node/tsc child processes in that project proving that every entry loads in CommonJS and ESM, that
// there is one copy of the core whichever way it is loaded, that the adapters export the same names,
// and that the types resolve for a consumer.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_NAMES } from './support/adapters.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ADAPTERS = ADAPTER_NAMES;
const ENTRIES = ['gatepass', 'gatepass/password', ...ADAPTERS.map((adapter) => `gatepass/${adapter}`)];
const ADAPTER_API = ['authErrorHandler', 'jwksEndpoint', 'logoutEndpoint', 'optionalAuth', 'requireAuth', 'tokenEndpoint'];

/** Every file package.json points at: `main`, `module`, `types` and each `exports` target. */
const PACKAGE_FILES = (() => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const files = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') files.add(path.posix.normalize(value));
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  [pkg.main, pkg.module, pkg.types, pkg.exports].forEach(collect);
  return [...files];
})();

/** The environment for child processes, without what an outer `npm test` or vitest put in it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(name)) continue;
    env[name] = value;
  }
  return env;
}

interface Output {
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 120_000): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: cleanEnv(), timeout, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${err.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** Runs a script file in the consumer with node and parses the one JSON line it prints. */
async function node<T>(script: string): Promise<T> {
  const { stdout } = await run(process.execPath, [script], consumer, 30_000);
  return JSON.parse(stdout) as T;
}

let workDir: string;
let consumer: string;
let packedFiles: string[];

beforeAll(async () => {
  // `npm test` builds before vitest; a bare `vitest run` on a fresh clone has no dist/ yet (or one
  // built before an entry existed).
  if (!PACKAGE_FILES.every((file) => existsSync(path.join(root, file)))) await run('npm', ['run', 'build'], root, 120_000);

  workDir = await mkdtemp(path.join(tmpdir(), 'gatepass-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], root);
  const [pack] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (pack === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
  packedFiles = pack.files.map((file) => file.path);

  consumer = path.join(workDir, 'consumer');
  await mkdir(consumer);
  await run('npm', ['init', '-y'], consumer);
  // The frameworks are optional peers, so a user installs the one they use; @types/express for the
  // typecheck below.
  await run(
    'npm',
    [
      'install',
      path.join(workDir, pack.filename),
      'express@^5',
      'koa@^3',
      'fastify@^5',
      '@types/express@^5',
      '@types/node@^20',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    consumer,
    150_000,
  );
  await Promise.all(Object.entries(SCRIPTS).map(([name, text]) => writeFile(path.join(consumer, name), text)));
}, 240_000);

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// Scripts run in the consumer

/**
 * Real apps of each framework, installed in the consumer: a route that hands the given error to the
 * framework, and the adapter's `authErrorHandler` answering it. Each probe resolves to the status the
 * server answered, plus its challenge, so the error is recognised as an AuthError by an adapter
 * loaded through the other module system.
 */
const PROBES = `
const ask = async (listener) => {
  const server = require('node:http').createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
    return res.status + ' ' + res.headers.get('www-authenticate');
  } finally {
    server.close();
  }
};
const probes = {
  async express(adapter, err) {
    const app = require('express')();
    app.get('/', (_req, _res, next) => next(err));
    app.use(adapter.authErrorHandler);
    return ask(app);
  },
  async koa(adapter, err) {
    const Koa = require('koa');
    const app = new Koa();
    app.silent = true;
    app.use(adapter.authErrorHandler);
    app.use(() => { throw err; });
    return ask(app.callback());
  },
  async fastify(adapter, err) {
    const app = require('fastify')();
    app.setErrorHandler(adapter.authErrorHandler);
    app.get('/', async () => { throw err; });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch('http://127.0.0.1:' + app.server.address().port + '/');
      return res.status + ' ' + res.headers.get('www-authenticate');
    } finally {
      await app.close();
    }
  },
  async fetch(adapter, err) {
    const res = await adapter.authErrorHandler(err);
    return res.status + ' ' + res.headers.get('www-authenticate');
  },
};
const exportNames = (m) => Object.keys(m).filter((name) => name !== '__esModule' && name !== 'module.exports').sort();
`;

const SCRIPTS: Record<string, string> = {
  // CommonJS: every entry loads with require(); an error made by the core is recognised by each
  // adapter loaded the same way.
  'check.cjs': `${PROBES}
(async () => {
  const entries = ${JSON.stringify(ENTRIES)};
  const out = { exports: {}, rendered: {} };
  for (const entry of entries) {
    out.exports[entry] = exportNames(require(entry));
  }
  const { BearerError, createTokens } = require('gatepass');
  let verifyError;
  try { await createTokens({ secret: 'x'.repeat(32) }).verify('x'); } catch (e) { verifyError = e; }
  for (const adapter of ${JSON.stringify(ADAPTERS)}) {
    out.rendered[adapter] = [
      await probes[adapter](require('gatepass/' + adapter), new BearerError('ERR_NOT_AUTHENTICATED')),
      await probes[adapter](require('gatepass/' + adapter), verifyError),
    ];
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`,
  // ESM: every entry loads with import; one copy of the core across import and require and across subpaths.
  'check.mjs': `${PROBES}
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const entries = ${JSON.stringify(ENTRIES)};
const out = { exports: {}, rendered: {} };
for (const entry of entries) {
  out.exports[entry] = exportNames(await import(entry));
}
const esm = await import('gatepass');
const cjs = require('gatepass');
out.sameAuthError = esm.AuthError === cjs.AuthError;
out.sameBearerError = esm.BearerError === cjs.BearerError;
const fromCjs = new cjs.BearerError('ERR_NOT_AUTHENTICATED');
let fromEsm;
try { await esm.createTokens({ secret: 'x'.repeat(32) }).verify('x'); } catch (e) { fromEsm = e; }
out.cjsErrorIsEsmAuthError = fromCjs instanceof esm.AuthError;
out.esmErrorIsCjsAuthError = fromEsm instanceof cjs.AuthError;
out.esmErrorCode = fromEsm?.code;
for (const adapter of ${JSON.stringify(ADAPTERS)}) {
  out.rendered[adapter] = [
    // The adapter imported renders the error made through require, and the other way round.
    await probes[adapter](await import('gatepass/' + adapter), fromCjs),
    await probes[adapter](require('gatepass/' + adapter), fromEsm),
  ];
}
console.log(JSON.stringify(out));
`,
  // What a TypeScript user writes, as an ES module and as CommonJS (each resolves its own condition's types).
  'index.mts': typecheckSource(),
  'index.cts': typecheckSource(),
};

function typecheckSource(): string {
  return `import express from 'express';
import { AuthError, BearerError, createGatepass, type AuthErrorCode, type Gatepass } from 'gatepass';
import { createPasswordHasher } from 'gatepass/password';
import { authErrorHandler, optionalAuth, requireAuth, tokenEndpoint } from 'gatepass/express';

interface User {
  username: string;
  disabled: boolean;
}

declare module 'gatepass' {
  interface GatepassUser extends User {}
}

const users = new Map<string, User & { hash: string }>();
const passwords = createPasswordHasher();

export const auth: Gatepass<User> = createGatepass<User>({
  secret: 'a secret of at least thirty-two bytes',
  scopes: { me: 'Read information about the current user.' },
  async verifyCredentials({ username, password }) {
    const user = users.get(username);
    if (!(await passwords.verifyUser(user?.hash, password)) || user === undefined) return null;
    return { subject: user.username, scopes: ['me'] };
  },
  resolveUser: (claims) => users.get(claims.sub),
  isActive: (user) => !user.disabled,
});

const app = express();
app.post('/token', tokenEndpoint(auth));
app.get('/users/me/', requireAuth(auth, { scopes: ['me'] }), (req, res) => {
  const name: string | undefined = req.user?.username;
  res.json({ name });
});
app.get('/maybe', optionalAuth(auth), (req, res) => {
  res.json({ signedIn: req.user !== undefined });
});
app.use(authErrorHandler);

export function codeOf(err: unknown): AuthErrorCode | undefined {
  if (!(err instanceof AuthError)) return undefined;
  switch (err.code) {
    case 'ERR_INSUFFICIENT_SCOPE':
      return err.code;
    default:
      return err.code;
  }
}

export const status: number = new BearerError('ERR_NOT_AUTHENTICATED').status;
// @ts-expect-error not an error code
export const wrong = new BearerError('ERR_NO_SUCH_CODE');
`;
}

// ---------------------------------------------------------------------------------------------------
// Tests

/** What every adapter's error handler answers for the two core errors the scripts make. */
const RENDERED = ['401 Bearer', '401 Bearer error="invalid_token", error_description="The access token is malformed"'];

interface LoadReport {
  exports: Record<string, string[]>;
  rendered: Record<string, unknown[]>;
}

describe('package install (npm pack → fresh consumer)', () => {
  it('packs every file the exports map points at, and no sources or tests', async () => {
    for (const file of PACKAGE_FILES) expect(packedFiles, file).toContain(file);
    expect(packedFiles.filter((file) => /^(src|test|adapters|examples)\//.test(file))).toEqual([]);
  });

  it('loads every entry with require() (CommonJS), where each adapter recognises the core errors', async () => {
    const report = await node<LoadReport>('check.cjs');
    expect(Object.keys(report.exports)).toEqual(ENTRIES);
    for (const entry of ENTRIES) expect(report.exports[entry], entry).not.toEqual([]);
    for (const adapter of ADAPTERS) expect(report.rendered[adapter], adapter).toEqual(RENDERED);
  });

  it('loads every entry with import (ESM), with the same export names as require()', async () => {
    const [esm, cjs] = await Promise.all([
      node<LoadReport & Record<string, unknown>>('check.mjs'),
      node<LoadReport>('check.cjs'),
    ]);
    expect(esm.exports).toEqual(cjs.exports);
  });

  it('has one copy of the core: classes and instanceof hold across import/require and across subpaths', async () => {
    const report = await node<LoadReport & Record<string, unknown>>('check.mjs');
    expect(report.sameAuthError).toBe(true);
    expect(report.sameBearerError).toBe(true);
    expect(report.cjsErrorIsEsmAuthError).toBe(true);
    expect(report.esmErrorIsCjsAuthError).toBe(true);
    expect(report.esmErrorCode).toBe('ERR_TOKEN_MALFORMED');
    for (const adapter of ADAPTERS) expect(report.rendered[adapter], adapter).toEqual(RENDERED);
  });

  it('exports the same names from every adapter (fastify adds its plugin)', async () => {
    const { exports } = await node<LoadReport>('check.cjs');
    for (const adapter of ADAPTERS) {
      const names = (exports[`gatepass/${adapter}`] ?? []).filter(
        (name) => adapter !== 'fastify' || (name !== 'gatepass' && name !== 'default'),
      );
      expect(names, adapter).toEqual(ADAPTER_API);
    }
    expect(exports['gatepass/fastify']).toContain('gatepass');
  });

  it('runs the gatepass bin without yaml, which only --format yaml needs, and says how to get it', async () => {
    // yaml is an optional peer dependency: installing gatepass does not bring it.
    expect(existsSync(path.join(consumer, 'node_modules', 'yaml'))).toBe(false);
    const bin = path.join(consumer, 'node_modules', '.bin', 'gatepass');
    const gatepass = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(bin, args, { cwd: consumer, env: cleanEnv(), timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
        });
      });
    const [json, yaml] = await Promise.all([
      gatepass('openapi', '--token-url', 'token'),
      gatepass('openapi', '--token-url', 'token', '--format', 'yaml'),
    ]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(Object.keys(JSON.parse(json.stdout).paths)).toEqual(['/token']);
    expect(yaml).toEqual({
      code: 1,
      stdout: '',
      stderr: "gatepass openapi: --format yaml needs the yaml package, which is not installed: run 'npm install yaml' (--format json needs nothing)\n",
    });
  });

  it('resolves the types for a TypeScript consumer (ESM and CommonJS, nodenext, strict, lib check on)', async () => {
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const args = ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--noEmit', '--strict', '--skipLibCheck', 'false', '--types', 'node'];
    const result = await run(tsc, [...args, 'index.mts', 'index.cts'], consumer, 60_000).catch((err: Error) => err);
    expect(result instanceof Error ? result.message : '').toBe('');
  });
});
