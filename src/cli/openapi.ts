/** `gatepass openapi`: the security scheme and the token endpoint's path item, to merge into a spec. */
import { parseArgs } from 'node:util';
import { openApiSecurity, type OpenApiOptions } from '../index.js';
import { CliError, UsageError, nonEmpty, numbersAsValues, oneOf, parseOrExplain, scopeName, type Command } from './args.js';

const help = `Usage: gatepass openapi --token-url <url> [options]

Print the OAuth2 password flow's security scheme and the token endpoint's path item, ready to merge
into an existing OpenAPI document:

  { "components": { "securitySchemes": { "OAuth2PasswordBearer": … } }, "paths": { "/token": { "post": … } } }

Options:
  --token-url <url>       the token endpoint as the docs should call it (required): token, /auth/token, https://…
  --refresh-url <url>     where tokens are refreshed, if the app has such an endpoint
  --scope <name=text>     a declared scope and its description; repeat for each scope
  --openapi <3.1|3.0>     the OpenAPI version of the target document (default 3.1)
  --scheme-name <name>    the key under components.securitySchemes (default OAuth2PasswordBearer)
  --path <path>           the key under paths (default: derived from --token-url, see below)
  --strict                require grant_type=password in the token request (strict form)
  --format <json|yaml>    output format (default json); yaml needs 'npm install yaml'
  -h, --help              show this help

The key under paths is the token URL's path, resolved from the document's root and without query:
token, ./token and /token give /token; auth/token gives /auth/token; https://api.example.com/v1/token
gives /v1/token. When the spec's servers URL already holds a prefix, give --path yourself.

Example:
  gatepass openapi --token-url token --scope me='Read information about the current user.' --format yaml
`;

const options = {
  'token-url': { type: 'string' },
  'refresh-url': { type: 'string' },
  scope: { type: 'string', multiple: true },
  openapi: { type: 'string' },
  'scheme-name': { type: 'string' },
  path: { type: 'string' },
  strict: { type: 'boolean' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The key under `paths` for a token URL: its path resolved from the document root. */
function tokenPath(tokenUrl: string): string {
  try {
    return new URL(tokenUrl, 'http://document.invalid/').pathname;
  } catch {
    throw new UsageError(`--token-url '${tokenUrl}' is not a URL`);
  }
}

/**
 * The `yaml` package, an optional peer dependency: only `--format yaml` loads it, so an app that never
 * asks for YAML does not install it.
 */
async function loadYaml(): Promise<typeof import('yaml')> {
  try {
    return await import('yaml');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : '';
    // Only yaml itself missing; a broken install of it keeps its own error.
    if (code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'yaml' /.test(message)) {
      throw new CliError("--format yaml needs the yaml package, which is not installed: run 'npm install yaml' (--format json needs nothing)");
    }
    throw err;
  }
}

export const openapi: Command = {
  name: 'openapi',
  summary: 'print the OpenAPI security scheme and token endpoint path item for an existing spec',
  help,
  async run(args) {
    const { values } = parseOrExplain(() => parseArgs({ args: numbersAsValues(args, ['--openapi']), options, strict: true }), {
      positional: 'give the token URL as --token-url <url>',
    });
    if (values.help) {
      process.stdout.write(help);
      return;
    }
    if (values['token-url'] === undefined) throw new UsageError('--token-url is required, e.g. --token-url token');
    const tokenUrl = nonEmpty('--token-url', values['token-url']);
    const format = oneOf('--format', values.format ?? 'json', ['json', 'yaml']);
    const minor = /^3\.([01])(?:\.\d+)?$/.exec(values.openapi ?? '3.1')?.[1];
    if (minor === undefined) throw new UsageError(`--openapi must be 3.1 or 3.0, not '${values.openapi}'`);
    const version = minor === '0' ? '3.0' : '3.1';

    const scopes: Record<string, string> = {};
    for (const entry of values.scope ?? []) {
      const equals = entry.indexOf('=');
      const name = scopeName('--scope', equals === -1 ? entry : entry.slice(0, equals));
      if (Object.hasOwn(scopes, name)) throw new UsageError(`--scope: '${name}' is given twice`);
      scopes[name] = equals === -1 ? '' : entry.slice(equals + 1);
    }

    const settings: OpenApiOptions = { tokenUrl, scopes, version };
    if (values['refresh-url'] !== undefined) settings.refreshUrl = nonEmpty('--refresh-url', values['refresh-url']);
    if (values['scheme-name'] !== undefined) settings.schemeName = nonEmpty('--scheme-name', values['scheme-name']);
    if (values.strict) settings.strictGrantType = true;
    const path = values.path ?? tokenPath(tokenUrl);
    if (!path.startsWith('/')) throw new UsageError(`--path must start with '/', not '${path}'`);
    if (values.path === undefined && path === '/') throw new UsageError(`--token-url '${tokenUrl}' has no path to list under paths: give --path`);

    const snippet = openApiSecurity(settings);
    const document = { components: { securitySchemes: snippet.securitySchemes }, paths: { [path]: snippet.tokenPathItem } };
    // No anchors/aliases for the schemas the generator shares between places, and no line folding.
    const text =
      format === 'json'
        ? `${JSON.stringify(document, null, 2)}\n`
        : (await loadYaml()).stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
    process.stdout.write(text);
  },
};
