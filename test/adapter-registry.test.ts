// One adapter per file in adapters/. The build (tsup.config.ts), the API reference (typedoc.config.mjs)
// and the `gatepass/<adapter>` alias (vitest.config.ts) read that folder; the test suites read the
// registry in test/support/adapters.ts. What cannot be derived fails here, loudly, when an adapter is
// added: its test app in the registry, its package.json "exports" entry, its example app.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTER_NAMES, adapters, serve } from './support/adapters.js';
import { securityEngine } from './support/engine.js';
import { RUNTIME_NAMES } from './support/example-server.js';

const root = new URL('..', import.meta.url);
const files = readdirSync(new URL('adapters', root)).filter((file) => file.endsWith('.ts'));
const names = files.map((file) => file.slice(0, -'.ts'.length)).sort();
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, unknown>; scripts: Record<string, string> };

/** The exports entry of a built entry: ESM for `import` and `module-sync`, CommonJS for `require`, types for each. */
const entryFor = (name: string) => {
  const esm = { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` };
  return { 'module-sync': esm, import: esm, require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` } };
};

describe('the adapter registry', () => {
  it('has a test app for every file in adapters/, and no other', () => {
    expect([...ADAPTER_NAMES].sort()).toEqual(names);
  });

  it('has a package.json exports entry for every file in adapters/, and no other entry but the core, password and package.json', () => {
    for (const name of names) expect(pkg.exports[`./${name}`], `exports["./${name}"]`).toEqual(entryFor(name));
    const others = Object.keys(pkg.exports).filter((key) => !names.includes(key.slice(2)));
    expect(others.sort()).toEqual(['.', './package.json', './password']);
  });

  it('has an example app and its npm script for every adapter', () => {
    const examples = readdirSync(new URL('examples', root));
    for (const name of names) {
      expect(examples, `examples/${name}.ts`).toContain(`${name}.ts`);
      expect(pkg.scripts[`example:${name}`], `npm run example:${name}`).toBe(`exec node --import tsx examples/${name}.ts`);
    }
  });

  // Bun, Deno and workerd are runtimes of the fetch adapter, not adapters: the fetch tutorial's app, served
  // by the runtime (contract, "Runtimes"). They are the only example apps besides the adapters'. workerd's
  // script runs a Node launcher (examples/workerd/serve.ts) that bundles examples/workerd.ts and starts it.
  it('has no other example app or example script than the adapters\', but the fetch tutorial on each runtime', () => {
    expect(names).toContain('fetch');
    const runtimes: readonly string[] = RUNTIME_NAMES;
    const examples = readdirSync(new URL('examples', root)).filter((file) => file.endsWith('.ts'));
    expect(examples.sort()).toEqual([...names, ...runtimes, 'tutorial'].map((name) => `${name}.ts`).sort());
    const scripts = Object.keys(pkg.scripts).filter((script) => script.startsWith('example:'));
    expect(scripts.sort()).toEqual([...names, ...runtimes].map((name) => `example:${name}`).sort());
    expect(pkg.scripts['example:bun']).toBe('exec bun examples/bun.ts');
    expect(pkg.scripts['example:deno']).toBe('exec deno run --sloppy-imports --allow-net --allow-env --allow-read --allow-ffi examples/deno.ts');
    expect(pkg.scripts['example:workerd']).toBe('exec node --import tsx examples/workerd/serve.ts');
    for (const runtime of runtimes) {
      expect(readFileSync(new URL(`examples/${runtime}.ts`, root), 'utf8'), `examples/${runtime}.ts serves the fetch tutorial`).toMatch(
        /^import \{ app \} from '\.\/fetch\.js';$/m,
      );
    }
  });

  it.each(names)('resolves gatepass/%s to the source of adapters/%s.ts, with the names every adapter exports', async (name) => {
    const [viaAlias, direct] = await Promise.all([import(/* @vite-ignore */ `gatepass/${name}`), import(/* @vite-ignore */ `../adapters/${name}.ts`)]);
    expect(viaAlias).toBe(direct);
    expect(Object.keys(viaAlias).filter((key) => key !== 'gatepass' && key !== 'default').sort()).toEqual([
      'authErrorHandler',
      'jwksEndpoint',
      'logoutEndpoint',
      'optionalAuth',
      'requireAuth',
      'tokenEndpoint',
    ]);
  });
});

describe.each(adapters)('$name', (adapter) => {
  const app = serve(adapter, () => securityEngine().then((e) => e.auth));

  it('the JWKS endpoint answers GET and HEAD with caching headers, 304 for a held ETag, and 405 otherwise', async () => {
    const get = await fetch(`${app().url}/jwks`);
    expect(get.status).toBe(200);
    // The security engine signs with an HMAC secret: nothing to publish.
    expect(await get.json()).toEqual({ keys: [] });
    expect(get.headers.get('cache-control')).toBe('public, max-age=300');
    expect(get.headers.get('content-type')).toMatch(/^application\/jwk-set\+json(; charset=utf-8)?$/);
    const etag = get.headers.get('etag')!;
    // A strong validator: the first 16 bytes of the document's SHA-256, base64url.
    expect(etag).toBe(`"${createHash('sha256').update('{"keys":[]}').digest().subarray(0, 16).toString('base64url')}"`);
    const head = await fetch(`${app().url}/jwks`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');
    const held = await fetch(`${app().url}/jwks`, { headers: { 'if-none-match': `W/${etag}, "other"` } });
    expect(held.status).toBe(304);
    for (const method of ['POST', 'DELETE']) {
      const refused = await fetch(`${app().url}/jwks`, { method });
      expect(refused.status, method).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD');
      expect(await refused.json()).toEqual({ detail: 'Method Not Allowed' });
    }
  });

  it('the token endpoint answers any method but POST with 405, Allow: POST and a JSON body', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${app().url}/token`, { method });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'POST']);
      expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
      expect(await res.json()).toEqual({ detail: 'Method Not Allowed' });
    }
  });
});
