// Hashes move between runtimes: an argon2id hash made on Node (@node-rs/argon2) logs in on Cloudflare's
// workerd, and a hash made on workerd (the portable build of gatepass/password, run in workerd) verifies on
// Node. The Worker (test/support/workerd/login.ts) is bundled from dist/ as the workerd example is; the
// contract suite also logs the tutorial's users in on workerd (test/contract.test.ts, `workerd (server)`).
import { hash as nodeRsHash, verify as nodeRsVerify } from '@node-rs/argon2';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { startWorkerd, type RunningWorkerd } from '../examples/workerd/serve.js';
import { createPasswordHasher } from '../src/password.js';
import { assertBuilt, repoRoot, runtimeBinary, runtimeVersion } from './support/example-server.js';
import { TEST_SECRET, secretKey } from './support/tokens.js';

// OWASP's parameters, as createPasswordHasher() uses them on both builds.
const OWASP = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
const PASSWORD = 'correct horse · pässwörd 🔑';

// workerd comes with npm install (devDependency `workerd`): without it this file is skipped, loudly, except
// under CI, where the contract suite's "runtimes" check fails.
const installed = runtimeVersion('workerd') !== null;
if (!installed && !process.env.CI) console.warn(`SKIPPED test/workerd-passwords.test.ts: ${runtimeBinary('workerd')} does not run (npm install)`);

describe.runIf(installed || Boolean(process.env.CI))('passwords between Node and workerd', () => {
  let workerd: RunningWorkerd;
  let url: string;
  const post = (route: string, body: string | URLSearchParams) => fetch(`${url}${route}`, { method: 'POST', body });

  beforeAll(async () => {
    assertBuilt();
    const adaHash = await nodeRsHash(PASSWORD, { algorithm: 2, ...OWASP });
    workerd = await startWorkerd({
      entry: path.join(repoRoot, 'test', 'support', 'workerd', 'login.ts'),
      host: '127.0.0.1',
      port: 0,
      env: { GATEPASS_SECRET: TEST_SECRET, ADA_HASH: adaHash },
    });
    url = `http://127.0.0.1:${workerd.port}`;
  });
  afterAll(async () => {
    if (workerd !== undefined) expect(await workerd.stop()).toBe(0);
  });

  it('logs in on workerd with a hash made on Node by @node-rs/argon2', async () => {
    const res = await post('/token', new URLSearchParams({ username: 'ada', password: PASSWORD }));
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await jwtVerify(access_token, secretKey())).payload.sub).toBe('ada');

    for (const [username, password] of [
      ['ada', `${PASSWORD} `],
      ['nobody', PASSWORD],
    ]) {
      const refused = await post('/token', new URLSearchParams({ username: username!, password: password! }));
      expect([username, refused.status, ((await refused.json()) as { error: string }).error]).toEqual([username, 400, 'invalid_grant']);
    }
  });

  it('verifies on Node a hash made on workerd by the portable build', async () => {
    const res = await post('/hash', JSON.stringify({ password: PASSWORD }));
    const { hash } = (await res.json()) as { hash: string };
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    // The password is NFKC already, so the addon, which does not normalise, hashes the same bytes.
    expect(PASSWORD.normalize('NFKC')).toBe(PASSWORD);
    expect(await nodeRsVerify(hash, PASSWORD)).toBe(true);
    const native = createPasswordHasher();
    expect(await native.verify(hash, PASSWORD)).toBe(true);
    expect(await native.verify(hash, 'correct horse')).toBe(false);
    expect(native.needsRehash(hash)).toBe(false);
  });

  it('verifies on workerd what Node hashed with the native build', async () => {
    const hash = await createPasswordHasher().hash(PASSWORD);
    const verify = async (password: string) =>
      ((await (await post('/verify', JSON.stringify({ hash, password }))).json()) as { valid: boolean }).valid;
    expect(await verify(PASSWORD)).toBe(true);
    expect(await verify('correct horse')).toBe(false);
  });
});
