// FastAPI's security tutorial (the JWT and scopes chapters), the part every example app shares: the
// user store, the auth engine, the OpenAPI document, and how the app starts and stops. Each
// examples/<adapter>.ts only wires these into its framework.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  apiKey,
  createApiKeyStore,
  createGatepass,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  httpBasic,
  type Gatepass,
  type LoginThrottleOptions,
  type RefreshTokenOptions,
  type Requirement,
  type TokenAlgorithm,
  type TokenOptions,
} from 'gatepass';
import { generateKeyPair } from 'jose';
import { createPasswordHasher } from 'gatepass/password';

export interface User {
  username: string;
  full_name: string;
  email: string;
  disabled: boolean;
  /** The scopes this user may be granted. */
  scopes: string[];
  hashed_password: string;
}

declare module 'gatepass' {
  interface GatepassUser extends User {}
}

export const scopes = {
  me: 'Read information about the current user.',
  items: 'Read items.',
};

// argon2id hashes of "secret" and "secret2" (made with `npx gatepass hash`): the store never holds a password.
const users = new Map<string, User>([
  [
    'johndoe',
    {
      username: 'johndoe',
      full_name: 'John Doe',
      email: 'johndoe@example.com',
      disabled: false,
      scopes: ['me', 'items'],
      hashed_password: '$argon2id$v=19$m=19456,t=2,p=1$cZ1P5KxrCYbDcx2DFoYbdg$ihxc3J7yMgQKZ2yI9VsgrkfcgqpDCMUgID7TSlTd2mU',
    },
  ],
  [
    'alice',
    {
      username: 'alice',
      full_name: 'Alice Wonderson',
      email: 'alice@example.com',
      disabled: true,
      scopes: ['me'],
      hashed_password: '$argon2id$v=19$m=19456,t=2,p=1$08QPBZT+Y3K5lTqdDLbuhg$tJnfVTRVUCMtgunDsUW9u9ME1oT4wkI8lPcYrXUtsb8',
    },
  ],
]);

/** The secret from GATEPASS_SECRET, or a random one with a warning. */
function secret(): string {
  const configured = process.env.GATEPASS_SECRET;
  if (configured) return configured;
  console.warn('GATEPASS_SECRET is not set: using a random key, so tokens will not survive a restart.');
  return randomBytes(32).toString('hex');
}

/**
 * How tokens are signed and verified (the contract's "Scale-out"): GATEPASS_ALG picks the algorithm
 * (HS256 by default); an asymmetric one signs with GATEPASS_PRIVATE_KEY (PEM), or with a key pair made
 * at start-up, whose public key /.well-known/jwks.json serves. GATEPASS_JWKS_URL also accepts the
 * tokens of the service that publishes that JWKS; GATEPASS_ISSUER and GATEPASS_AUDIENCE are set on
 * issue and required on verify.
 */
async function tokenOptions(): Promise<TokenOptions> {
  const { GATEPASS_ALG, GATEPASS_PRIVATE_KEY, GATEPASS_JWKS_URL, GATEPASS_ISSUER, GATEPASS_AUDIENCE } = process.env;
  const algorithm = (GATEPASS_ALG || 'HS256') as TokenAlgorithm;
  const claims = {
    ...(GATEPASS_ISSUER ? { issuer: GATEPASS_ISSUER } : {}),
    ...(GATEPASS_AUDIENCE ? { audience: GATEPASS_AUDIENCE } : {}),
  };
  // With a remote JWKS, its issuer must be named and its tokens meant for this API: createGatepass
  // refuses to start otherwise.
  const trusted = GATEPASS_JWKS_URL
    ? { trustedIssuers: [{ issuer: GATEPASS_ISSUER ?? '', audience: GATEPASS_AUDIENCE ?? '', jwksUri: GATEPASS_JWKS_URL }] }
    : {};
  if (algorithm.startsWith('HS')) return { secret: secret(), algorithm, ...claims, ...trusted };
  const privateKey = GATEPASS_PRIVATE_KEY || (await generateKeyPair(algorithm, { extractable: true })).privateKey;
  if (!GATEPASS_PRIVATE_KEY) console.warn('GATEPASS_PRIVATE_KEY is not set: using a new key pair, so tokens will not survive a restart.');
  return { keys: [{ privateKey, alg: algorithm }], ...claims, ...trusted };
}

const passwords = createPasswordHasher();

/**
 * GATEPASS_REDIS_URL: the Redis the app's shared state lives in (the contract's "Scale-out"). While it
 * is unreachable the client fails commands at once (the requests that need it answer 503) and
 * reconnects by itself; the outage is logged once, not on every retry. Loaded only when set, so the
 * fetch tutorial runs without node-redis where it has no TCP sockets. Revocations and login counters
 * share the one client.
 */
async function connectRedis(url: string | undefined) {
  if (!url) return undefined;
  const { createClient } = await import('redis');
  const client = createClient({ url, disableOfflineQueue: true });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) console.error(`Redis at ${url} is unreachable: ${err.message}`);
    down = true;
  });
  client.on('ready', () => (down = false));
  return client.connect();
}
export const redis = await connectRedis(process.env.GATEPASS_REDIS_URL);

/**
 * Where logouts are kept: in memory (this process only), or, with GATEPASS_REDIS_URL, in that Redis,
 * shared by every instance pointing at it.
 */
function revocationOptions(): TokenOptions {
  return redis === undefined ? {} : { revocations: createRedisRevocationStore(redis) };
}

/**
 * GATEPASS_LOGIN_LIMIT=N (the contract's "Throttling"): at most N failed logins per username and per
 * client address in 15 minutes, counted in Redis when GATEPASS_REDIS_URL is set. Unset: no throttling.
 */
function loginThrottle(): { loginThrottle?: LoginThrottleOptions } {
  const limit = process.env.GATEPASS_LOGIN_LIMIT;
  if (!limit) return {};
  return { loginThrottle: { maxFailures: Number(limit), windowSeconds: 15 * 60, ...(redis === undefined ? {} : { redis }) } };
}

/**
 * GATEPASS_REFRESH_TOKENS=1 (the contract's "Refresh tokens"): token responses also carry a refresh
 * token, kept in GATEPASS_REDIS_URL's Redis when set, so that a token replayed on another instance is
 * caught there too.
 */
function refreshTokens(): { refreshTokens?: RefreshTokenOptions } {
  if (process.env.GATEPASS_REFRESH_TOKENS !== '1') return {};
  return { refreshTokens: redis === undefined ? {} : { store: createRedisRefreshTokenStore(redis) } };
}

export const auth: Gatepass<User> = createGatepass<User>({
  ...(await tokenOptions()),
  ...revocationOptions(),
  expiresIn: 30 * 60,
  scopes,
  async verifyCredentials({ username, password }) {
    const user = users.get(username);
    // Unknown users still pay for one verification, so both failures take the same time.
    if (!(await passwords.verifyUser(user?.hashed_password, password)) || user === undefined) return null;
    return { subject: user.username, scopes: user.scopes };
  },
  resolveUser: (claims) => users.get(claims.sub),
  isActive: (user) => !user.disabled,
  ...loginThrottle(),
  ...refreshTokens(),
});

// FastAPI's other schemes (the contract's "More schemes"). One machine client holds an API key; the
// app keeps only the key's digest, and compares in constant time.
const reportingBot: User = {
  username: 'reporting-bot',
  full_name: 'Reporting bot',
  email: 'reporting-bot@example.com',
  disabled: false,
  scopes: ['items'],
  // A machine client never logs in with a password.
  hashed_password: '',
};
const machineKeys = await createApiKeyStore<User>([
  [process.env.GATEPASS_API_KEY || 'gpk_test_reporting_bot_0f3a7c1e9b5d2468ace13579bdf02468', { subject: 'reporting-bot', user: reportingBot, scopes: ['items'] }],
]);
const apiKeyHeader = apiKey<User>({ in: 'header', name: 'X-API-Key', verify: machineKeys.verify });

// HTTP Basic against the same user store: an unknown user costs what a wrong password costs.
const basic = httpBasic<User>({
  realm: 'gatepass',
  async verify({ username, password }) {
    const user = users.get(username);
    if (!(await passwords.verifyUser(user?.hashed_password, password)) || user === undefined) return null;
    return { subject: user.username, user, scopes: user.scopes };
  },
});

/**
 * What each protected route requires, declared once: the adapters guard the routes with these, and
 * the OpenAPI document states them from the very same objects.
 */
export const guards = {
  activeUser: {},
  scopedMe: { scopes: ['me'] },
  scopedItems: { scopes: ['me', 'items'] },
  anyUser: { active: false },
  machineItems: { schemes: [auth.bearer, apiKeyHeader], scopes: ['items'] },
  basicUser: { schemes: [basic] },
} satisfies Record<string, Requirement<User>>;

/** What `/users/me/` answers: the user without its hash or scopes. */
export function publicUser(user: User): Omit<User, 'hashed_password' | 'scopes'> {
  return { username: user.username, email: user.email, full_name: user.full_name, disabled: user.disabled };
}

export function itemsOf(user: User): Array<{ item_id: string; owner: string }> {
  return [{ item_id: 'Foo', owner: user.username }];
}

/** The OpenAPI 3.1 document of the tutorial's routes. */
export function openApiDocument(): Record<string, unknown> {
  const oauth = auth.openApi();
  const json = (description: string, schema: Record<string, unknown>) => ({
    description,
    content: { 'application/json': { schema } },
  });
  const userSchema = { $ref: '#/components/schemas/User' };
  const itemsSchema = { type: 'array', items: { $ref: '#/components/schemas/Item' } };
  const protectedGet = (summary: string, guard: Requirement<User>, response: Record<string, unknown>) => ({
    get: {
      summary,
      security: auth.security(guard),
      responses: {
        '200': response,
        ...(guard.active === false ? {} : { '400': json('The user is inactive.', { $ref: '#/components/schemas/Detail' }) }),
        '401': oauth.protectedResponses['401'],
        // Only a route that requires scopes can answer 403.
        ...(guard.scopes === undefined ? {} : { '403': oauth.protectedResponses['403'] }),
      },
    },
  });
  const strict = auth.openApi({ strictGrantType: true }).tokenPathItem as { post: Record<string, unknown> };
  // The paths first: their guards are the schemes that components.securitySchemes lists.
  const paths = {
    '/token': oauth.tokenPathItem,
    '/token/strict': { post: { ...strict.post, operationId: 'issueTokenStrict' } },
    '/users/me/': protectedGet('The current user', guards.activeUser, json('The current user.', userSchema)),
    '/users/me/items/': protectedGet("The current user's items", guards.activeUser, json('The items.', itemsSchema)),
    '/scoped/users/me/': protectedGet('The current user (scope me)', guards.scopedMe, json('The current user.', userSchema)),
    '/scoped/users/me/items/': protectedGet("The current user's items (scopes me, items)", guards.scopedItems, json('The items.', itemsSchema)),
    '/status/': protectedGet('Token check, inactive users too', guards.anyUser, json('OK.', { type: 'object' })),
    '/machine/items/': protectedGet('Items, for a machine client (API key) or a user (scope items)', guards.machineItems, json('The items.', itemsSchema)),
    '/basic/users/me/': protectedGet('The current user, with HTTP Basic', guards.basicUser, json('The current user.', userSchema)),
    '/healthz': { get: { summary: 'Liveness', responses: { '200': json('Alive.', { type: 'object' }) } } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'gatepass tutorial', version: '1.0.0' },
    // Relative to where this document is served: mounted under /api, the operations are /api/users/me/
    // and the token URL is /api/token. Without it they would resolve against the host's root.
    servers: [{ url: '.', description: 'This app, wherever it is mounted' }],
    components: {
      securitySchemes: auth.openApi().securitySchemes,
      schemas: {
        User: {
          type: 'object',
          required: ['username', 'email', 'full_name', 'disabled'],
          properties: {
            username: { type: 'string' },
            email: { type: 'string' },
            full_name: { type: 'string' },
            disabled: { type: 'boolean' },
          },
        },
        Item: {
          type: 'object',
          required: ['item_id', 'owner'],
          properties: { item_id: { type: 'string' }, owner: { type: 'string' } },
        },
        Detail: { type: 'object', required: ['detail'], properties: { detail: { type: 'string' } } },
      },
    },
    paths,
  };
}

// /docs: Swagger UI, served by the app itself from the swagger-ui-dist package (nothing from a CDN).
// Every URL in the page is relative: at <prefix>/docs it loads <prefix>/docs/<file> and
// <prefix>/openapi.json, and the token URL `token` resolves to <prefix>/token, wherever the app is mounted.

/** An answer of the docs routes, for the framework to send as it is. */
export interface DocsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const docsHtml = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>gatepass tutorial - Swagger UI</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/swagger-initializer.js"></script>
</body>
</html>
`;

// A file rather than an inline script, so the page's CSP can allow scripts from the app only.
// persistAuthorization: false keeps tokens out of localStorage; validatorUrl: null stops the badge
// that would ask validator.swagger.io about the document.
const docsInitializer = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  persistAuthorization: false,
  validatorUrl: null,
});
`;

const docsCsp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

const swaggerUiDist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const docsFiles: Record<string, { type: string; body?: string | Buffer }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { type: 'image/png' },
  'swagger-initializer.js': { type: 'text/javascript; charset=utf-8', body: docsInitializer },
};

/**
 * `GET /docs`, given the request's path: the Swagger UI page. `/docs/` redirects to `../docs`, since
 * the page's relative URLs only resolve from `/docs`.
 */
export function docsPage(requestPath: string): DocsAnswer {
  if (requestPath.endsWith('/')) return { status: 308, headers: { Location: '../docs' }, body: '' };
  return {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': docsCsp },
    body: docsHtml,
  };
}

/** `GET /docs/:file`: one of the few swagger-ui-dist files the page loads (read once), or a JSON 404. */
export function docsAsset(name: string): DocsAnswer {
  const file = Object.hasOwn(docsFiles, name) ? docsFiles[name] : undefined;
  if (file === undefined) {
    return { status: 404, headers: { 'Content-Type': 'application/json' }, body: '{"detail":"Not Found"}' };
  }
  file.body ??= readFileSync(path.join(swaggerUiDist, name));
  return { status: 200, headers: { 'Content-Type': file.type, 'Cache-Control': 'public, max-age=3600' }, body: file.body };
}

/** Where to listen: PORT (default 8000, 0 for any free port) and HOST (default 127.0.0.1). */
export const address = {
  port: Number(process.env.PORT ?? 8000),
  host: process.env.HOST ?? '127.0.0.1',
};

/** Prints the one line the contract asks for once the app listens. */
export function announce(port: number): void {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  console.log(`gatepass tutorial listening on http://${host}:${port}`);
}

/** Stops cleanly on SIGTERM and SIGINT. */
export function stopOnSignal(close: () => Promise<unknown>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
