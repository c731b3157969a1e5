// A real identity provider for tests: panva's oidc-provider (the certified OpenID Provider for Node) on
// a loopback port, issuing JWT access tokens (RFC 9068) through the client credentials grant for one
// resource indicator (RFC 8707). Verifiers find its keys the way they find a real provider's: OpenID
// Connect discovery (`/.well-known/openid-configuration`) names the `jwks_uri`.
//
// What a token looks like (oidc-provider 9.13, alg RS256):
//   header  { "alg": "RS256", "typ": "at+jwt", "kid": "<the signing key's JWK thumbprint>" }
//   payload { "jti": "…", "sub": "gatepass-test-client", "iat": 1790000000, "exp": 1790000600,
//             "scope": "read write", "client_id": "gatepass-test-client",
//             "iss": "http://127.0.0.1:PORT", "aud": "https://api.example.test" }
// `sub` is the client id (no end user in this grant); `scope` is absent when none was asked for or none
// of the asked scopes is the resource's (unknown scopes are dropped, not refused); `aud` is a string, the
// resource indicator itself; no `nbf`; tokens live ten minutes (exp = iat + 600). A resource indicator
// that is not an absolute URL gets 400 invalid_target.
//
// Keys are rotated by building a new Provider with the new key first (oidc-provider takes its JWKS at
// construction and signs with the first key of the algorithm) and swapping the request handler behind
// the same http.Server: issuer, port and client stay the same. JWT access tokens are not stored by the
// provider, so nothing is lost with the old Provider.
//
// The server answers with `Connection: close`, so that stop() leaves no pooled connection behind and
// every later request is refused. oidc-provider prints nothing with this configuration, except one
// warning on import under Node < 22, which loadProvider() drops.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Provider } from 'oidc-provider';

/** The signing algorithms the fixture generates keys for. */
export type SigningAlg = 'RS256' | 'ES256' | 'PS256' | 'EdDSA';

export interface IdentityProviderOptions {
  /** The algorithm of the signing keys (every rotation too). Default RS256. */
  alg?: SigningAlg;
  /** The resource indicator tokens are issued for by default, and their `aud`. Default https://api.example.test. */
  audience?: string;
}

export interface IdentityProvider {
  /** `http://127.0.0.1:PORT`: exactly the `issuer` of the discovery document, and the tokens' `iss`. */
  readonly issuer: string;
  /** The `jwks_uri` of the discovery document (`${issuer}/jwks`). */
  readonly jwksUri: string;
  /** The `token_endpoint` of the discovery document. */
  readonly tokenEndpoint: string;
  /** The default resource indicator, and the tokens' `aud`. */
  readonly audience: string;
  /** The signing algorithm of every key. */
  readonly alg: SigningAlg;
  /** The client the tokens are issued to (their `sub` and `client_id`), which authenticates with client_secret_basic. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scopes the resource grants: `read write admin`. */
  readonly scopes: readonly string[];
  /** The `kid` of the key that signs new tokens. */
  readonly signingKid: string;
  /** The `kid`s the JWKS publishes, the signing key's first. */
  readonly publishedKids: readonly string[];
  /**
   * A client credentials token, as the raw JWT. `scope` is space-separated (scopes the resource does not
   * grant are dropped); `resource` is the resource indicator, by default `audience` (any absolute URL is
   * accepted and becomes the token's `aud`: a token for another API, signed by the same key).
   * Rejects with the status and body when the provider refuses.
   */
  token(options?: { scope?: string; resource?: string }): Promise<string>;
  /**
   * Rotates the signing key: a new key signs from now on, and the JWKS publishes it first, followed by
   * the keys published so far (as a real provider keeps an old key while its tokens live); with
   * `dropOld: true` it publishes the new key alone.
   */
  rotate(options?: { dropOld?: boolean }): Promise<void>;
  /** How many GET requests for the JWKS the server has received (counted as they arrive). */
  readonly jwksRequests: number;
  /**
   * Closes the server and its connections: every request is refused (fetch fails with cause
   * ECONNREFUSED) until `restart()`. Idempotent.
   */
  stop(): Promise<void>;
  /** Listens again, on the same port (the issuer does not change); nothing when listening, an error after `close()`. */
  restart(): Promise<void>;
  /** Stops the server for good. Idempotent. */
  close(): Promise<void>;
}

const CLIENT_ID = 'gatepass-test-client';
const CLIENT_SECRET = 'gatepass-test-client-secret';
const SCOPES = ['read', 'write', 'admin'] as const;
const TOKEN_TTL = 600;

/** A private signing JWK with `kid` (its RFC 7638 thumbprint), `alg` and `use: 'sig'`. */
async function signingKey(alg: SigningAlg): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
}

/**
 * oidc-provider warns on stderr when it is imported on Node below 22 ("Unsupported runtime"); it runs
 * there all the same. The import drops that one line and nothing else.
 */
let loading: Promise<typeof Provider> | undefined;
function loadProvider(): Promise<typeof Provider> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      warn.apply(console, args);
    };
    try {
      return (await import('oidc-provider')).Provider;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

/**
 * An adapter that keeps stored models in a Map. JWT access tokens are not stored; passing an adapter
 * only spares the "development-only in-memory adapter" warning of the default one.
 */
function mapAdapter() {
  const store = new Map<string, Record<string, unknown>>();
  return (model: string) => ({
    async upsert(id: string, payload: Record<string, unknown>) {
      store.set(`${model}:${id}`, payload);
    },
    async find(id: string) {
      return store.get(`${model}:${id}`);
    },
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id: string) {
      const payload = store.get(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId() {},
  });
}

export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<IdentityProvider> {
  const alg = options.alg ?? 'RS256';
  const audience = options.audience ?? 'https://api.example.test';
  const ProviderClass = await loadProvider();
  const adapter = mapAdapter();

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let jwksPath = '/jwks';
  let jwksRequests = 0;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === jwksPath) jwksRequests += 1;
    // No keep-alive: a client keeps no pooled connection, so after stop() every request is refused
    // (ECONNREFUSED) instead of some failing on a connection the server has just closed.
    res.setHeader('connection', 'close');
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });

  const listen = async (port: number) => {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  let keys: JWK[] = [];
  const build = (jwks: JWK[]) => {
    const provider = new ProviderClass(issuer, {
      adapter,
      jwks: { keys: jwks },
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({
            scope: SCOPES.join(' '),
            audience: resource,
            accessTokenTTL: TOKEN_TTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          }),
        },
      },
      ttl: {
        ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
          token.resourceServer?.accessTokenTTL ?? TOKEN_TTL,
      },
      // The client's ID Token algorithm defaults to RS256, which a provider without an RSA key refuses.
      clientDefaults: { id_token_signed_response_alg: alg },
      clientBasedCORS: () => true,
    });
    jwksPath = provider.pathFor('jwks');
    handler = provider.callback();
    keys = jwks;
  };

  const stop = async () => {
    if (!server.listening) return;
    const done = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await done;
  };
  let closed = false;
  const close = async () => {
    closed = true;
    await stop();
  };

  try {
    build([await signingKey(alg)]);
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const discovery = (await response.json()) as { issuer: string; jwks_uri: string; token_endpoint: string };
    if (discovery.issuer !== issuer) throw new Error(`discovery states the issuer ${discovery.issuer}, not ${issuer}`);

    return {
      issuer,
      jwksUri: discovery.jwks_uri,
      tokenEndpoint: discovery.token_endpoint,
      audience,
      alg,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: SCOPES,
      get signingKid() {
        return keys[0]!.kid!;
      },
      get publishedKids() {
        return keys.map((key) => key.kid!);
      },
      async token({ scope, resource = audience } = {}) {
        const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
        if (scope !== undefined) body.set('scope', scope);
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
        const answer = await fetch(discovery.token_endpoint, {
          method: 'POST',
          headers: { authorization: `Basic ${basic}` },
          body,
        });
        const text = await answer.text();
        if (answer.status !== 200) throw new Error(`token endpoint answered ${answer.status}: ${text}`);
        const { access_token: accessToken, token_type: tokenType } = JSON.parse(text) as { access_token?: unknown; token_type?: unknown };
        if (typeof accessToken !== 'string' || tokenType !== 'Bearer') throw new Error(`unexpected token response: ${text}`);
        return accessToken;
      },
      async rotate({ dropOld = false } = {}) {
        const next = await signingKey(alg);
        build(dropOld ? [next] : [next, ...keys]);
      },
      get jwksRequests() {
        return jwksRequests;
      },
      stop,
      async restart() {
        if (closed) throw new Error('the identity provider is closed');
        if (!server.listening) await listen(port);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
