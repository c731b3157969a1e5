// The API reference: the core, gatepass/password, and one entry per file in adapters/. Warnings are
// errors (test/docs.test.ts runs it): every export documented, every link resolved.
import { readdirSync } from 'node:fs';

const adapters = readdirSync(new URL('./adapters', import.meta.url))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => `adapters/${file}`);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'gatepass',
  entryPoints: ['src/index.ts', 'src/password.ts', ...adapters],
  out: 'docs/api',
  readme: 'none',
  disableSources: true,
  skipErrorChecking: true,
  excludeInternal: true,
  excludePrivate: true,
  treatWarningsAsErrors: true,
  // Each adapter's EndpointOptions is the kit's, with that adapter's handler arguments: documented there.
  intentionallyNotExported: ['src/adapter-kit/options.ts:EndpointOptions'],
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
};
