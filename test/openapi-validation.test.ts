// The OpenAPI output checked by a maintained validator (@readme/openapi-parser: the OpenAPI 3.0 and 3.1
// JSON schemas plus its own rules: unique operationIds, security schemes' properties, …): the
// snippet generator's pieces in a minimal document of each version, and the full /openapi.json of
// every example app, fetched over HTTP from the app running as a child process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileErrors, validate } from '@readme/openapi-parser';
import {
  apiKey,
  createGatepass,
  httpBasic,
  httpBearer,
  openIdConnect,
  openApiSecurity,
  type OpenApiOptions,
  type Requirement,
} from 'gatepass';
import { ADAPTER_NAMES, type AdapterName } from './support/adapters.js';
import { startExample, type ExampleServer } from './support/example-server.js';

async function expectValid(document: Record<string, unknown>): Promise<void> {
  // validate() dereferences in place: give it a copy.
  const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
  expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  expect(result.warnings).toStrictEqual([]);
  expect(result.specification).toBe('OpenAPI');
}

/** The snippet's pieces in the smallest full document of its version: the token endpoint and one protected operation. */
function documentOf(options: OpenApiOptions): Record<string, unknown> {
  const oauth = openApiSecurity(options);
  const needs = options.scopes ? Object.keys(options.scopes) : [];
  return {
    openapi: options.version === '3.0' ? '3.0.3' : '3.1.0',
    info: { title: 'snippet', version: '1.0.0' },
    components: { securitySchemes: oauth.securitySchemes },
    paths: {
      '/token': oauth.tokenPathItem,
      '/users/me/': {
        get: {
          operationId: 'readUsersMe',
          security: oauth.security(needs),
          responses: { '200': { description: 'The current user.' }, ...oauth.protectedResponses },
        },
      },
    },
  };
}

const scopes = { me: 'Read information about the current user.', items: 'Read items.' };

describe('the snippet generator (openApiSecurity) validates', () => {
  for (const version of ['3.0', '3.1'] as const) {
    for (const withScopes of [false, true]) {
      for (const strictGrantType of [false, true]) {
        const name = `OpenAPI ${version}, ${withScopes ? 'with' : 'without'} scopes, ${strictGrantType ? 'strict' : 'lenient'} grant_type`;
        it(name, async () => {
          const options: OpenApiOptions = { tokenUrl: 'token', version, strictGrantType, ...(withScopes ? { scopes } : {}) };
          const document = documentOf(options);
          // The variant is what it claims to be.
          const scheme = (document.components as { securitySchemes: Record<string, { flows: { password: { scopes: object } } }> })
            .securitySchemes.OAuth2PasswordBearer!;
          expect(Object.keys(scheme.flows.password.scopes)).toStrictEqual(withScopes ? ['me', 'items'] : []);
          await expectValid(document);
        });
      }
    }
  }

  it('with a refresh URL, a scheme name of its own and absolute URLs (3.0 and 3.1)', async () => {
    for (const version of ['3.0', '3.1'] as const) {
      await expectValid(
        documentOf({
          tokenUrl: 'https://auth.example.com/token',
          refreshUrl: 'https://auth.example.com/refresh',
          schemeName: 'PasswordLogin',
          scopes,
          version,
        }),
      );
    }
  });

  it('refuses the 3.1 variant in a 3.0 document (the validator is not a no-op, and `version` matters)', async () => {
    const document = { ...documentOf({ tokenUrl: 'token', scopes, version: '3.1' }), openapi: '3.0.3' };
    // 3.0 schemas have `example`, not the `examples` array of 3.1.
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    expect(result.valid).toBe(false);
  });
});

describe('every scheme, from the guards that use it, validates', () => {
  const auth = createGatepass<unknown>({ secret: 'a-secret-of-at-least-thirty-two-bytes!', scopes, verifyCredentials: () => null, resolveUser: () => null });
  const verify = () => null;
  const routes: Record<string, Requirement<unknown>> = {
    '/users/me/': { scopes: ['me'] },
    '/either/': { anyScopes: ['me', 'items'] },
    '/machine/items/': { schemes: [auth.bearer, apiKey({ in: 'header', name: 'X-API-Key', verify })], scopes: ['items'] },
    '/query/': { schemes: [apiKey({ in: 'query', name: 'api_key', verify })] },
    '/cookie/': { schemes: [apiKey({ in: 'cookie', name: 'session_key', verify })] },
    '/basic/': { schemes: [httpBasic({ realm: 'api', verify })] },
    '/opaque/': { schemes: [httpBearer({ bearerFormat: 'opaque', verify })] },
    '/oidc/': { schemes: [openIdConnect({ openIdConnectUrl: 'https://login.example.com/.well-known/openid-configuration', verify })], scopes: ['me'] },
  };

  for (const version of ['3.0', '3.1'] as const) {
    it(`OpenAPI ${version}`, async () => {
      const paths = Object.fromEntries(
        Object.entries(routes).map(([path, requirement], index) => [
          path,
          { get: { operationId: `op${index}`, security: auth.security(requirement), responses: { '200': { description: 'OK.' } } } },
        ]),
      );
      const oauth = auth.openApi({ version });
      const document = {
        openapi: version === '3.0' ? '3.0.3' : '3.1.0',
        info: { title: 'schemes', version: '1.0.0' },
        components: { securitySchemes: oauth.securitySchemes },
        paths: { '/token': oauth.tokenPathItem, ...paths },
      };
      expect(Object.keys(oauth.securitySchemes).sort()).toEqual(
        ['APIKeyCookie', 'APIKeyHeader', 'APIKeyQuery', 'HTTPBasic', 'HTTPBearer', 'OAuth2PasswordBearer', 'OpenIdConnect'].sort(),
      );
      await expectValid(document);
    });
  }
});

describe("the example apps' /openapi.json validates", () => {
  const adapters = ADAPTER_NAMES;
  const servers = new Map<AdapterName, Promise<ExampleServer>>();
  beforeAll(() => {
    for (const adapter of adapters) {
      const server = startExample(adapter);
      server.catch(() => {}); // reported by the adapter's own test
      servers.set(adapter, server);
    }
  });
  afterAll(async () => {
    const started = await Promise.allSettled(servers.values());
    await Promise.all(started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.stop() : undefined)));
  });

  for (const adapter of adapters) {
    it(adapter, async () => {
      const server = await servers.get(adapter)!;
      const res = await fetch(`${server.url}/openapi.json`);
      expect(res.status).toBe(200);
      const document = (await res.json()) as Record<string, unknown>;
      expect(document.openapi).toBe('3.1.0');
      await expectValid(document);
    });
  }
});
