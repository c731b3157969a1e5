// gatepass against a real identity provider (panva's oidc-provider, test/support/identity-provider.ts):
// JWT access tokens (RFC 9068, `typ: at+jwt`) from the client credentials grant with a resource
// indicator, verified through OpenID Connect discovery; a key rotation at the provider followed with one
// JWKS fetch; unknown kids that cannot make gatepass fetch more than once per cooldown; a provider that
// is down answered with 503 through onError, while the keys gatepass holds keep working.
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerError, createGatepass, openIdConnect, type AuthError, type Gatepass, type TrustedIssuer } from '../src/index.js';
import { adapters, serve } from './support/adapters.js';
import { startIdentityProvider, type IdentityProvider } from './support/identity-provider.js';
import { rejection } from './support/rejection.js';

interface Client {
  client: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Long enough that the checks meant to fall within one cooldown do so on a loaded machine.
const COOLDOWN = 1_500;

function engineFor(idp: IdentityProvider, errors: AuthError[], trust: Partial<TrustedIssuer> = {}): Gatepass<Client> {
  return createGatepass<Client>({
    // No key of its own: this API only verifies the provider's tokens.
    trustedIssuers: [{ issuer: idp.issuer, audience: idp.audience, typ: 'at+jwt', ...trust }],
    scopes: { read: 'Read.', write: 'Write.' },
    verifyCredentials: () => null,
    resolveUser: (claims) => ({ client: claims.sub }),
    onError: (error) => errors.push(error),
  });
}

/** A token as the provider would make it, but signed by a key the provider never published. */
async function foreignToken(idp: IdentityProvider, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: idp.clientId, iss: idp.issuer, aud: idp.audience, iat: now, exp: now + 600 })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(privateKey);
}

describe('verification through discovery, on every adapter', () => {
  let idp: IdentityProvider;
  beforeAll(async () => {
    idp = await startIdentityProvider({ alg: 'ES256' });
  });
  afterAll(() => idp?.close());

  describe.each(adapters)('$name', (adapter) => {
    const errors: AuthError[] = [];
    const app = serve(adapter, () => engineFor(idp, errors), { scopes: ['read'] });

    it('accepts the provider’s access token, with its scopes, and refuses one for another audience', async () => {
      const token = await idp.token({ scope: 'read' });
      const me = await fetch(`${app().url}/scoped`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ sub: idp.clientId, scopes: ['read'] });
      const elsewhere = await idp.token({ scope: 'read', resource: 'https://another-api.example.test' });
      const refused = await fetch(`${app().url}/me`, { headers: { authorization: `Bearer ${elsewhere}` } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="The access token claim aud is invalid"');
      expect(errors).toEqual([]);
    });
  });
});

describe('the provider’s keys over time', () => {
  let idp: IdentityProvider;
  let auth: Gatepass<Client>;
  const errors: AuthError[] = [];
  const authenticate = (token: string) => auth.authenticate({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    idp = await startIdentityProvider({ alg: 'RS256' });
    auth = engineFor(idp, errors, { cooldownDuration: COOLDOWN, cacheMaxAge: 1_000, timeoutDuration: 1_000 });
  });
  afterAll(() => idp?.close());

  it('fetches the JWKS once for many concurrent first requests', async () => {
    const token = await idp.token({ scope: 'read write' });
    const principals = await Promise.all(Array.from({ length: 20 }, () => authenticate(token)));
    expect(principals.every((principal) => principal.subject === idp.clientId)).toBe(true);
    expect(principals[0]!.scopes).toEqual(['read', 'write']);
    expect(idp.jwksRequests).toBe(1);
  });

  it('follows a rotation at the provider with one refetch, not one per request', async () => {
    await sleep(COOLDOWN + 50); // past the cooldown since the first fetch
    const before = idp.jwksRequests;
    await idp.rotate();
    const token = await idp.token({ scope: 'read' });
    await Promise.all(Array.from({ length: 20 }, () => authenticate(token)));
    for (let i = 0; i < 20; i++) await authenticate(token);
    expect(idp.jwksRequests).toBe(before + 1);
  });

  it('refetches at most once per cooldown however many unknown kids arrive', async () => {
    await sleep(COOLDOWN + 50);
    const before = idp.jwksRequests;
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => foreignToken(idp, `unknown-${i}`)));
    const failures = await Promise.all(tokens.map((token) => rejection(authenticate(token), BearerError)));
    expect(new Set(failures.map((failure) => failure.code))).toEqual(new Set(['ERR_TOKEN_KEY_UNKNOWN']));
    expect(failures[0]!.status).toBe(401);
    expect(idp.jwksRequests).toBe(before + 1);
    // Within the same cooldown, more unknown kids cost nothing.
    await Promise.all(tokens.slice(0, 10).map((token) => rejection(authenticate(token), BearerError)));
    expect(idp.jwksRequests).toBe(before + 1);
  });

  it('keeps verifying with the keys it holds while the provider is down, and answers an unknown kid with 503', async () => {
    const token = await idp.token({ scope: 'read' });
    await authenticate(token);
    await idp.stop();
    await sleep(1_100); // the cache is older than cacheMaxAge: a refresh is tried in the background, and fails
    expect((await authenticate(token)).subject).toBe(idp.clientId);
    await sleep(50);
    expect((await authenticate(token)).subject).toBe(idp.clientId);

    await sleep(COOLDOWN + 50);
    const failure = await rejection(authenticate(await foreignToken(idp, 'rotated-while-down')), BearerError);
    expect(failure.code).toBe('ERR_KEYS_UNAVAILABLE');
    expect(failure.status).toBe(503);
    // Retry-After: the cooldown, in whole seconds, rounded up.
    expect(failure.headers).toEqual({ 'Retry-After': '2' });
    expect(failure.body).toEqual({ detail: 'Service temporarily unavailable' });
    expect((failure.cause as Error).message).toMatch(/jwks: the request failed/);
    expect(errors.map((error) => error.code)).toContain('ERR_KEYS_UNAVAILABLE');

    await idp.restart();
    await sleep(COOLDOWN + 50);
    await idp.rotate();
    expect((await authenticate(await idp.token({ scope: 'read' }))).subject).toBe(idp.clientId);
  });

  it('answers 503 until discovery succeeds when the provider is down from the start, asking once per cooldown', async () => {
    const down = await startIdentityProvider({ alg: 'ES256' });
    const token = await down.token({ scope: 'read' });
    await down.stop();
    const cold = engineFor(down, [], { cooldownDuration: COOLDOWN });
    try {
      const failures = await Promise.all(Array.from({ length: 10 }, () => rejection(cold.authenticate({ authorization: `Bearer ${token}` }), BearerError)));
      expect(new Set(failures.map((failure) => failure.code))).toEqual(new Set(['ERR_KEYS_UNAVAILABLE']));
      expect((failures[0]!.cause as Error).message).toMatch(/openid-configuration: the request failed/);
      await down.restart();
      // Still within the cooldown: the remembered failure answers, the provider is not asked.
      await expect(cold.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
      expect(down.jwksRequests).toBe(0);
      await sleep(COOLDOWN + 50);
      expect((await cold.authenticate({ authorization: `Bearer ${token}` })).subject).toBe(down.clientId);
      expect(down.jwksRequests).toBe(1);
    } finally {
      await down.close();
    }
  });
});

describe('the openIdConnect scheme, verified by gatepass', () => {
  let idp: IdentityProvider;
  beforeAll(async () => {
    idp = await startIdentityProvider({ alg: 'EdDSA' });
  });
  afterAll(() => idp?.close());

  it('verifies the provider’s tokens through its discovery URL, with the route’s scopes, and describes itself in OpenAPI', async () => {
    const company = openIdConnect<Client>({
      openIdConnectUrl: `${idp.issuer}/.well-known/openid-configuration`,
      audience: idp.audience,
      typ: 'at+jwt',
      resolveUser: (claims) => (claims.sub === idp.clientId ? { client: claims.sub } : null),
    });
    const auth = createGatepass<Client>({
      secret: 'an HMAC secret of the app itself, 32+ bytes long',
      scopes: { read: 'Read.', write: 'Write.' },
      verifyCredentials: () => null,
      resolveUser: () => null,
    });
    const requirement = { schemes: [company], scopes: ['read'] };
    const principal = await auth.authenticate({ authorization: `Bearer ${await idp.token({ scope: 'read' })}` }, requirement);
    expect(principal).toMatchObject({ subject: idp.clientId, user: { client: idp.clientId }, scopes: ['read'], scheme: 'OpenIdConnect' });
    const scopeless = await rejection(auth.authenticate({ authorization: `Bearer ${await idp.token({ scope: 'write' })}` }, requirement), BearerError);
    expect(scopeless.code).toBe('ERR_INSUFFICIENT_SCOPE');
    const foreign = await rejection(auth.authenticate({ authorization: `Bearer ${await foreignToken(idp, 'k')}` }, requirement), BearerError);
    expect(foreign.code).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(auth.security(requirement)).toEqual([{ OpenIdConnect: ['read'] }]);
    expect(auth.openApi().securitySchemes.OpenIdConnect).toEqual({ type: 'openIdConnect', openIdConnectUrl: `${idp.issuer}/.well-known/openid-configuration` });
  });

  it('refuses a provider’s token on its routes once the app revoked it', async () => {
    const company = openIdConnect<Client>({
      openIdConnectUrl: `${idp.issuer}/.well-known/openid-configuration`,
      audience: idp.audience,
      typ: 'at+jwt',
      resolveUser: (claims) => ({ client: claims.sub }),
    });
    // The provider is trusted by the engine too, so that the app's logout can revoke its tokens.
    const auth = engineFor(idp, []);
    const requirement = { schemes: [company] };
    const token = await idp.token({ scope: 'read' });
    const other = await idp.token({ scope: 'write' });
    expect((await auth.authenticate({ authorization: `Bearer ${token}` }, requirement)).scheme).toBe('OpenIdConnect');
    await auth.logout({ authorization: `Bearer ${token}` });
    const refused = await rejection(auth.authenticate({ authorization: `Bearer ${token}` }, requirement), BearerError);
    expect([refused.code, refused.headers['WWW-Authenticate']]).toEqual(['ERR_TOKEN_REVOKED', 'Bearer error="invalid_token", error_description="The access token was revoked"']);
    expect((await auth.authenticate({ authorization: `Bearer ${other}` }, requirement)).subject).toBe(idp.clientId);
  });

  it('refuses at start-up a scheme that could verify nothing', () => {
    const openIdConnectUrl = `${idp.issuer}/.well-known/openid-configuration`;
    expect(() => openIdConnect({ openIdConnectUrl, resolveUser: () => null })).toThrow(/openIdConnect: audience is missing/);
    expect(() => openIdConnect({ openIdConnectUrl, audience: idp.audience })).toThrow(/openIdConnect: resolveUser is missing/);
    expect(() => openIdConnect({ openIdConnectUrl, audience: idp.audience, resolveUser: () => null, verify: () => null })).toThrow(/with verify, gatepass does not verify the tokens: audience, resolveUser would be ignored|with verify, gatepass does not verify the tokens: resolveUser, audience would be ignored/);
    expect(() => openIdConnect({ openIdConnectUrl, verify: () => null, typ: 'at+jwt' })).toThrow(/with verify, gatepass does not verify the tokens: typ would be ignored/);
    expect(() => openIdConnect({ openIdConnectUrl: `${idp.issuer}/oidc.json`, audience: idp.audience, resolveUser: () => null })).toThrow(/give issuer/);
  });
});
