// The `gatepass` bin as a user runs it: the built dist/cli.js in a child process, with stdin, the
// environment and exit codes. What it prints is compared with the library functions it wraps.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokens, openApiSecurity } from '../src/index.js';
import { createPasswordHasher } from '../src/password.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment for the bin: without GATEPASS_SECRET or what vitest put there, plus `env`. */
function environment(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(GATEPASS_|VITEST|NODE_OPTIONS$)/.test(name)) clean[name] = value;
  }
  return { ...clean, ...env };
}

/** Runs `node dist/cli.js …args`, writing `input` to its stdin (then closing it). */
function gatepass(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: environment(options.env ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A usage error: exit 2, nothing on stdout, one line on stderr naming the problem and the help. */
function expectUsageError(run: Run, ...mentions: string[]): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  for (const mention of mentions) expect(lines[0]).toContain(mention);
  expect(lines[0]).toMatch(/--help/);
}

beforeAll(() => {
  // `npm test` builds before vitest; a bare `vitest run` on a fresh clone has no dist/ yet.
  if (!existsSync(bin) || !existsSync(join(root, 'dist', 'index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
}, 120_000);

describe('the bin', () => {
  it('is the package.json "bin", an executable ES module with a node hashbang', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
    expect(pkg.bin).toEqual({ gatepass: './dist/cli.js' });
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const version = await gatepass(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('runs the library\'s own entries rather than a copy of the core', () => {
    const source = readFileSync(bin, 'utf8');
    const relative = [...source.matchAll(/from\s*"(\.[^"]+)"/g)].map((m) => m[1]);
    expect(new Set(relative)).toEqual(new Set(['./index.js', './password.js']));
    expect(source).not.toMatch(/AuthError = class|SignJWT|"@node-rs\/argon2"|"jose"/);
  });

  it('lists the commands with --help, and the options of each with <command> --help', async () => {
    const top = await gatepass(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['openapi', 'hash', 'secret', 'token']) expect(top.stdout).toContain(command);
    const flags: Record<string, string[]> = {
      openapi: ['--token-url', '--refresh-url', '--scope', '--openapi', '--scheme-name', '--path', '--strict', '--format', 'npm install yaml'],
      hash: ['--memory-cost', '--time-cost', '--parallelism', 'stdin'],
      secret: ['--bytes', '--format'],
      token: ['--subject', '--scope', '--expires-in', '--issuer', '--audience', '--secret-env', '--json', 'GATEPASS_SECRET'],
    };
    const runs = await Promise.all(Object.keys(flags).map((command) => gatepass([command, '--help'])));
    for (const [index, [command, names]] of Object.entries(flags).entries()) {
      const run = runs[index]!;
      expect(run.code, command).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain(`Usage: gatepass ${command}`);
      for (const name of names) expect(run.stdout, `${command} --help`).toContain(name);
    }
    expect((await gatepass(['help', 'token'])).stdout).toBe(runs[3]!.stdout);
  });

  it('refuses an unknown command, an unknown option and a missing command with exit code 2', async () => {
    const [command, option, none, inner] = await Promise.all([
      gatepass(['frobnicate']),
      gatepass(['--frobnicate']),
      gatepass([]),
      gatepass(['secret', '--frobnicate']),
    ]);
    expectUsageError(command, "unknown command 'frobnicate'", 'gatepass --help');
    expectUsageError(option, "unknown option '--frobnicate'");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: gatepass <command>');
    expectUsageError(inner, "unknown option '--frobnicate'", 'gatepass secret --help');
  });
});

describe('gatepass openapi', () => {
  const scopes = { me: 'Read information about the current user.', items: 'Read items.' };
  const scopeFlags = Object.entries(scopes).flatMap(([name, text]) => ['--scope', `${name}=${text}`]);

  it('prints the security scheme and the token path item of openApiSecurity(), as 2-space JSON', async () => {
    const run = await gatepass(['openapi', '--token-url', 'token', ...scopeFlags]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const oauth = openApiSecurity({ tokenUrl: 'token', scopes });
    const expected = { components: { securitySchemes: oauth.securitySchemes }, paths: { '/token': oauth.tokenPathItem } };
    expect(run.stdout).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    expect(JSON.parse(run.stdout).components.securitySchemes.OAuth2PasswordBearer.flows.password.scopes).toEqual(scopes);
  });

  it('prints the same object as YAML, without anchors', async () => {
    const args = ['openapi', '--token-url', '/auth/token', '--refresh-url', '/auth/refresh', ...scopeFlags];
    const [json, yaml] = await Promise.all([gatepass(args), gatepass([...args, '--format', 'yaml'])]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).not.toMatch(/[&*]a\d/);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    expect(Object.keys(JSON.parse(json.stdout).paths)).toEqual(['/auth/token']);
  });

  it('follows the generator for OpenAPI 3.0 and 3.1, the scheme name and strict grant_type', async () => {
    const options = { tokenUrl: 'token', schemeName: 'auth', strictGrantType: true } as const;
    const common = ['openapi', '--token-url', 'token', '--scheme-name', 'auth', '--strict'];
    const [v30, v31] = await Promise.all([gatepass([...common, '--openapi', '3.0']), gatepass([...common, '--openapi', '3.1.1'])]);
    const expected = (version: '3.0' | '3.1') => {
      const oauth = openApiSecurity({ ...options, version });
      return { components: { securitySchemes: oauth.securitySchemes }, paths: { '/token': oauth.tokenPathItem } };
    };
    expect(JSON.parse(v30.stdout)).toEqual(expected('3.0'));
    expect(JSON.parse(v31.stdout)).toEqual(expected('3.1'));
    expect(v30.stdout).not.toBe(v31.stdout);
    expect(v30.stdout).toContain('"example": "johndoe"');
    expect(v31.stdout).toContain('"examples": [');
  });

  it('derives the path key from the token URL, or takes --path', async () => {
    const key = async (...args: string[]) => Object.keys(JSON.parse((await gatepass(['openapi', ...args])).stdout).paths);
    const keys = await Promise.all([
      key('--token-url', './token'),
      key('--token-url', 'https://api.example.com/v1/token?x=1'),
      key('--token-url', 'https://api.example.com/v1/token', '--path', '/token'),
    ]);
    expect(keys).toEqual([['/token'], ['/v1/token'], ['/token']]);
  });

  it('refuses bad flags and values with exit code 2, naming them', async () => {
    const runs = await Promise.all([
      gatepass(['openapi']),
      gatepass(['openapi', '--token-url']),
      gatepass(['openapi', '--token-url', 'token', '--format', 'xml']),
      gatepass(['openapi', '--token-url', 'token', '--openapi', '2.0']),
      gatepass(['openapi', '--token-url', 'token', '--scope', 'bad scope=x']),
      gatepass(['openapi', '--token-url', 'token', '--strict=yes']),
      gatepass(['openapi', 'token']),
    ]);
    expectUsageError(runs[0]!, '--token-url is required');
    expectUsageError(runs[1]!, "'--token-url' needs a value");
    expectUsageError(runs[2]!, '--format', "'xml'");
    expectUsageError(runs[3]!, '--openapi', "'2.0'");
    expectUsageError(runs[4]!, '--scope', "'bad scope'");
    expectUsageError(runs[5]!, "'--strict' takes no value");
    expectUsageError(runs[6]!, 'unexpected argument', '--token-url');
  });
});

describe('gatepass hash', () => {
  const password = 'correct horse battery staple ✓';

  it('hashes the password from stdin (less one newline) into an argon2id PHC string that verify() accepts', async () => {
    const run = await gatepass(['hash'], { input: `${password}\n` });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const stored = run.stdout.trimEnd();
    expect(run.stdout).toBe(`${stored}\n`);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(run.stdout).not.toContain('correct horse');
    const hasher = createPasswordHasher();
    expect(await hasher.verify(stored, password)).toBe(true);
    expect(await hasher.verify(stored, `${password}\n`)).toBe(false);
  });

  it('keeps every other character of stdin, and takes the argon2 parameters as flags', async () => {
    const run = await gatepass(['hash', '--memory-cost', '9216', '--time-cost', '4', '--parallelism', '2'], {
      input: ' two trailing newlines\n\n',
    });
    expect(run.code).toBe(0);
    const stored = run.stdout.trimEnd();
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=9216,t=4,p=2\$/);
    expect(await createPasswordHasher().verify(stored, ' two trailing newlines\n')).toBe(true);
  });

  it('refuses an empty password', async () => {
    for (const input of ['', '\n']) {
      const run = await gatepass(['hash'], { input });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^gatepass hash: no password on stdin/);
    }
  });

  it('refuses a password given as an argument or an option, without repeating it', async () => {
    const runs = await Promise.all([
      gatepass(['hash', 'hunter2'], { input: password }),
      gatepass(['hash', '--password=hunter2'], { input: password }),
      gatepass(['hash', '--password', 'hunter2'], { input: password }),
      gatepass(['hash', '-phunter2'], { input: password }),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toContain('hunter2');
      expect(run.stderr).not.toContain('correct horse');
    }
    expect(runs[0]!.stderr).toContain('the password is read from stdin');
    expect(runs[1]!.stderr).toContain("unknown option '--password'");
  });

  it('refuses bad argon2 parameters with exit code 2', async () => {
    expectUsageError(await gatepass(['hash', '--time-cost', '0'], { input: password }), '--time-cost', "'0'");
    expectUsageError(await gatepass(['hash', '--memory-cost', 'lots'], { input: password }), '--memory-cost', "'lots'");
  });

  // OWASP's password storage cheat sheet: argon2id with m=47104 t=1, m=19456 t=2, m=12288 t=3,
  // m=9216 t=4 or m=7168 t=5 (KiB, p=1) are equivalent minimums.
  const weak = (option: string, minimum: number, timeCost: number) =>
    `gatepass hash: ${option} is below OWASP's minimum for argon2id (${minimum} KiB with --time-cost ${timeCost}); ` +
    "pass --allow-weak to use it anyway (see 'gatepass hash --help')\n";

  it("refuses argon2id parameters below OWASP's minimums with exit code 2, before reading the password", async () => {
    const runs = await Promise.all([
      gatepass(['hash', '--memory-cost', '10'], { input: password }),
      gatepass(['hash', '--memory-cost', '19455'], { input: password }),
      gatepass(['hash', '--memory-cost', '47103', '--time-cost', '1'], { input: password }),
      gatepass(['hash', '--memory-cost', '12287', '--time-cost', '3'], { input: password }),
      gatepass(['hash', '--memory-cost', '9215', '--time-cost', '4'], { input: password }),
      gatepass(['hash', '--memory-cost', '7167', '--time-cost', '5'], { input: password }),
      gatepass(['hash', '--memory-cost', '7167', '--time-cost', '100'], { input: password }),
      gatepass(['hash', '--time-cost', '1'], { input: password }),
    ]);
    const expected = [
      weak('--memory-cost 10', 19456, 2),
      weak('--memory-cost 19455', 19456, 2),
      weak('--memory-cost 47103', 47104, 1),
      weak('--memory-cost 12287', 12288, 3),
      weak('--memory-cost 9215', 9216, 4),
      weak('--memory-cost 7167', 7168, 5),
      weak('--memory-cost 7167', 7168, 100),
      // The default memory cost, 19456 KiB, is too little for one pass.
      weak('--time-cost 1 with the default --memory-cost 19456', 47104, 1),
    ];
    expect(runs).toEqual(expected.map((stderr) => ({ code: 2, stdout: '', stderr })));
  });

  it("takes OWASP's minimums themselves, and weaker parameters with --allow-weak", async () => {
    const runs = await Promise.all([
      gatepass(['hash', '--memory-cost', '47104', '--time-cost', '1'], { input: password }),
      gatepass(['hash', '--memory-cost', '12288', '--time-cost', '3'], { input: password }),
      gatepass(['hash', '--memory-cost', '7168', '--time-cost', '5'], { input: password }),
      gatepass(['hash', '--memory-cost', '7168', '--time-cost', '6'], { input: password }),
      gatepass(['hash', '--memory-cost', '10', '--allow-weak'], { input: password }),
      gatepass(['hash', '--time-cost', '1', '--memory-cost', '8', '--allow-weak'], { input: password }),
    ]);
    const params = ['m=47104,t=1,p=1', 'm=12288,t=3,p=1', 'm=7168,t=5,p=1', 'm=7168,t=6,p=1', 'm=10,t=2,p=1', 'm=8,t=1,p=1'];
    for (const [index, run] of runs.entries()) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$${params[index]}\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+\\n$`));
      expect(await createPasswordHasher().verify(run.stdout.trimEnd(), password)).toBe(true);
    }
    const help = await gatepass(['hash', '--help']);
    expect(help.stdout).toContain('--allow-weak');
    expect(help.stdout).toMatch(/m=47104 t=1.*m=7168 t=5/s);
  });
});

describe('gatepass key', () => {
  it('prints a PKCS#8 private key for each asymmetric algorithm, which signs tokens that its JWKS verifies', async () => {
    const algorithms = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;
    const runs = await Promise.all(algorithms.map((alg) => gatepass(['key', '--alg', alg])));
    for (const [i, alg] of algorithms.entries()) {
      const run = runs[i]!;
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      const tokens = createTokens({ keys: [{ privateKey: run.stdout, alg }] });
      const { token } = await tokens.issue('johndoe');
      expect((await tokens.verify(token)).sub).toBe('johndoe');
      const [published] = tokens.keys.jwks().keys;
      expect(published).toMatchObject({ alg, use: 'sig' });
      expect(Object.keys(published!).filter((member) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].includes(member))).toEqual([]);
    }
  });

  it('prints a private JWK with its thumbprint as kid, and an HMAC secret as long as the hash', async () => {
    const [jwk, hs256, hs512, again] = await Promise.all([
      gatepass(['key', '--alg', 'ES256', '--format', 'jwk']),
      gatepass(['key', '--alg', 'HS256']),
      gatepass(['key', '--alg', 'HS512']),
      gatepass(['key', '--alg', 'HS256']),
    ]);
    const key = JSON.parse(jwk.stdout) as { kid: string; d: string; alg: string; use: string };
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const tokens = createTokens({ keys: [{ privateKey: key }] });
    expect(tokens.keys.list()).toEqual([]);
    await tokens.keys.ready;
    expect(tokens.keys.list().map((info) => info.kid)).toEqual([key.kid]);
    expect(hs256.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(hs512.stdout).toMatch(/^[A-Za-z0-9_-]{86}\n$/);
    expect(hs256.stdout).not.toBe(again.stdout);
  });

  it('refuses an unknown algorithm and a format for a secret', async () => {
    const [alg, format] = await Promise.all([gatepass(['key', '--alg', 'none']), gatepass(['key', '--alg', 'HS256', '--format', 'pem'])]);
    expectUsageError(alg, '--alg', "'none'");
    expectUsageError(format, '--format');
  });
});

describe('gatepass secret', () => {
  const decode = (text: string, format: 'base64url' | 'hex') => Buffer.from(text.trimEnd(), format);

  it('prints at least 32 fresh random bytes, base64url by default or hex', async () => {
    const [one, two, hex, long] = await Promise.all([
      gatepass(['secret']),
      gatepass(['secret']),
      gatepass(['secret', '--format', 'hex']),
      gatepass(['secret', '--bytes', '64']),
    ]);
    for (const run of [one, two, hex, long]) expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(one.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(decode(one.stdout, 'base64url')).toHaveLength(32);
    expect(one.stdout).not.toBe(two.stdout);
    expect(hex.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(decode(long.stdout, 'base64url')).toHaveLength(64);
    // The printed key is what createTokens() takes as `secret`.
    expect(() => createTokens({ secret: one.stdout.trimEnd() })).not.toThrow();
  });

  it('refuses fewer than 32 bytes and an unknown format', async () => {
    const [short, format] = await Promise.all([gatepass(['secret', '--bytes', '16']), gatepass(['secret', '--format', 'base32'])]);
    expectUsageError(short, '--bytes', "'16'");
    expectUsageError(format, '--format', "'base32'");
  });
});

describe('a negative number after an option', () => {
  const usage = (command: string, message: string) => ({ code: 2, stdout: '', stderr: `gatepass ${command}: ${message} (see 'gatepass ${command} --help')\n` });
  const env = { GATEPASS_SECRET: 'cli-test-secret-of-at-least-thirty-two-bytes' };

  it('is the value of a numeric option, refused as out of range like any other bad number', async () => {
    const runs = await Promise.all([
      gatepass(['token', '--subject', 'johndoe', '--expires-in', '-5'], { env }),
      gatepass(['token', '--expires-in', '-5', '--subject', 'johndoe'], { env }),
      gatepass(['token', '--subject', 'johndoe', '--expires-in=-5'], { env }),
      gatepass(['secret', '--bytes', '-32']),
      gatepass(['hash', '--memory-cost', '-19456'], { input: 'password' }),
      gatepass(['hash', '--time-cost', '-2'], { input: 'password' }),
      gatepass(['hash', '--parallelism', '-1.5'], { input: 'password' }),
      gatepass(['openapi', '--token-url', 'token', '--openapi', '-3.1']),
    ]);
    expect(runs).toEqual([
      usage('token', "--expires-in must be a whole number from 1 to 2147483647, not '-5'"),
      usage('token', "--expires-in must be a whole number from 1 to 2147483647, not '-5'"),
      usage('token', "--expires-in must be a whole number from 1 to 2147483647, not '-5'"),
      usage('secret', "--bytes must be a whole number from 32 to 1024, not '-32'"),
      usage('hash', "--memory-cost must be a whole number from 8 to 4194304, not '-19456'"),
      usage('hash', "--time-cost must be a whole number from 1 to 1000, not '-2'"),
      usage('hash', "--parallelism must be a whole number from 1 to 255, not '-1.5'"),
      usage('openapi', "--openapi must be 3.1 or 3.0, not '-3.1'"),
    ]);
  });

  it('is still a missing value for a text option, and text after a numeric option is never echoed', async () => {
    const runs = await Promise.all([
      gatepass(['token', '--subject', '-5'], { env }),
      gatepass(['token', '--subject', 'johndoe', '--expires-in', '-hunter2'], { env }),
      gatepass(['token', '--subject', 'johndoe', '--expires-in', '-5hunter2'], { env }),
      gatepass(['secret', '--', '--bytes', '-32']),
    ]);
    expect(runs).toEqual([
      usage('token', "option '--subject' needs a value (write --subject=<value> for one starting with '-')"),
      usage('token', "option '--expires-in' needs a value (write --expires-in=<value> for one starting with '-')"),
      usage('token', "option '--expires-in' needs a value (write --expires-in=<value> for one starting with '-')"),
      usage('secret', 'unexpected argument (this command takes options only)'),
    ]);
  });
});

describe('gatepass token', () => {
  const secret = 'cli-test-secret-of-at-least-thirty-two-bytes';

  it('mints a token that createTokens().verify accepts, with the subject and scopes', async () => {
    const run = await gatepass(['token', '--subject', 'johndoe', '--scope', 'me', '--scope', 'items'], { env: { GATEPASS_SECRET: secret } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = await createTokens({ secret }).verify(run.stdout.trimEnd());
    expect(claims).toMatchObject({ sub: 'johndoe', scope: 'me items' });
    expect(claims.exp! - claims.iat!).toBe(1800);
    expect(run.stdout).not.toContain(secret);
  });

  it('prints the claims with --json, and takes the lifetime, issuer, audience and secret variable', async () => {
    const run = await gatepass(
      ['token', '--subject', 'alice', '--scope', 'me items', '--expires-in', '60', '--issuer', 'https://issuer.example', '--audience', 'api', '--secret-env', 'MY_KEY', '--json'],
      { env: { MY_KEY: secret } },
    );
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { token: string; expiresIn: number; claims: Record<string, unknown> };
    expect(printed.expiresIn).toBe(60);
    const verified = await createTokens({ secret, issuer: 'https://issuer.example', audience: 'api' }).verify(printed.token);
    expect(verified).toEqual(printed.claims);
    expect(verified).toMatchObject({ sub: 'alice', scope: 'me items', iss: 'https://issuer.example', aud: 'api' });
    expect(verified.exp! - verified.iat!).toBe(60);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('fails clearly without a secret in the environment, or with a short one, never printing it', async () => {
    const [missing, otherName, short] = await Promise.all([
      gatepass(['token', '--subject', 'johndoe']),
      gatepass(['token', '--subject', 'johndoe', '--secret-env', 'APP_KEY'], { env: { GATEPASS_SECRET: secret } }),
      gatepass(['token', '--subject', 'johndoe'], { env: { GATEPASS_SECRET: 'tooshort-k3y' } }),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^gatepass token: the environment variable GATEPASS_SECRET is not set/);
    expect(otherName.code).toBe(1);
    expect(otherName.stderr).toContain('APP_KEY is not set');
    expect(otherName.stderr).not.toContain(secret);
    expect(short.code).toBe(1);
    expect(short.stdout).toBe('');
    expect(short.stderr).toContain('at least 32 bytes');
    expect(short.stderr).not.toContain('tooshort-k3y');
  });

  it('takes the secret from the environment only, and refuses bad flags with exit code 2', async () => {
    const env = { GATEPASS_SECRET: secret };
    const runs = await Promise.all([
      gatepass(['token', '--subject', 'johndoe', '--secret', 'hunter2-hunter2-hunter2-hunter2-hunter2'], { env }),
      gatepass(['token', '--subject', 'johndoe', '--secret-env', 'hunter2-hunter2-hunter2-hunter2-hunter2'], { env }),
      gatepass(['token'], { env }),
      gatepass(['token', '--subject', 'johndoe', '--expires-in', '-5'], { env }),
      gatepass(['token', '--subject', 'johndoe', '--scope', 'a"b'], { env }),
    ]);
    expectUsageError(runs[0]!, "unknown option '--secret'", '--secret-env');
    expectUsageError(runs[1]!, '--secret-env takes the name of an environment variable');
    expectUsageError(runs[2]!, '--subject is required');
    expect(runs[3]).toEqual({
      code: 2,
      stdout: '',
      stderr: "gatepass token: --expires-in must be a whole number from 1 to 2147483647, not '-5' (see 'gatepass token --help')\n",
    });
    expectUsageError(runs[4]!, '--scope', `'a"b'`);
    for (const run of runs) {
      expect(run.stderr).not.toContain('hunter2');
      expect(run.stderr).not.toContain(secret);
    }
  });
});
