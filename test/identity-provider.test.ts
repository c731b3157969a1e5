// The identity provider fixture (test/support/identity-provider.ts), checked with jose alone: what
// verifiers of gatepass tokens will rely on (discovery, the JWKS, the tokens' header and claims, rotation,
// an unreachable provider) holds before any gatepass code is tested against it.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWK } from 'jose';
import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { startIdentityProvider, type IdentityProvider, type SigningAlg } from './support/identity-provider.js';

interface Discovery {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  grant_types_supported: string[];
}

const started: IdentityProvider[] = [];
async function start(alg?: SigningAlg): Promise<IdentityProvider> {
  const idp = await startIdentityProvider(alg ? { alg } : {});
  started.push(idp);
  return idp;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((idp) => idp.close()));
});

async function discover(idp: IdentityProvider): Promise<Discovery> {
  const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  return (await response.json()) as Discovery;
}

async function publishedKeys(jwksUri: string): Promise<JWK[]> {
  const response = await fetch(jwksUri);
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: JWK[] }).keys;
}

/** Whether another server can listen on the issuer's port: the provider's server is closed. */
async function portIsFree(issuer: string): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(Number(new URL(issuer).port), '127.0.0.1', () => resolve(true));
  });
  if (listening) await new Promise((resolve) => server.close(resolve));
  return listening;
}

async function refusal(url: string): Promise<unknown> {
  const error = await fetch(url).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(TypeError);
  return (error as TypeError).cause;
}

describe('identity provider fixture', () => {
  test('discovery states the loopback issuer and the jwks_uri, which publishes the public signing key', async () => {
    const idp = await start();
    const discovery = await discover(idp);
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.jwks_uri).toBe(`${idp.issuer}/jwks`);
    expect(idp.jwksUri).toBe(discovery.jwks_uri);
    expect(idp.tokenEndpoint).toBe(discovery.token_endpoint);
    expect(discovery.grant_types_supported).toContain('client_credentials');
    expect(idp.jwksRequests).toBe(0);

    const keys = await publishedKeys(discovery.jwks_uri);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', kid: idp.signingKid, alg: 'RS256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
    expect(idp.jwksRequests).toBe(1);
    // Only GETs of the JWKS count.
    await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    await fetch(discovery.jwks_uri, { method: 'HEAD' });
    expect(idp.jwksRequests).toBe(1);
  });

  test('a client credentials token verifies with the keys found through discovery (RFC 9068 header and claims)', async () => {
    const idp = await start();
    const token = await idp.token({ scope: 'read write' });
    const discovery = await discover(idp);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));

    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: discovery.issuer,
      audience: 'https://api.example.test',
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: idp.signingKid });
    expect(payload).toEqual({
      jti: expect.any(String),
      iss: idp.issuer,
      aud: 'https://api.example.test',
      sub: 'gatepass-test-client',
      client_id: 'gatepass-test-client',
      scope: 'read write',
      iat: expect.any(Number),
      exp: payload.iat! + 600,
    });
    expect(idp.audience).toBe('https://api.example.test');
    expect(idp.clientId).toBe('gatepass-test-client');
    expect(idp.jwksRequests).toBe(1);

    // The checks above can fail: another audience is refused.
    await expect(jwtVerify(token, jwks, { issuer: idp.issuer, audience: 'https://other.example.test' })).rejects.toThrow(
      errors.JWTClaimValidationFailed,
    );
  });

  test('scope: none asked, none in the token; scopes the resource does not grant are dropped; another resource is another aud', async () => {
    const idp = await start();
    expect(idp.scopes).toEqual(['read', 'write', 'admin']);
    expect(decodeJwt(await idp.token())).not.toHaveProperty('scope');
    expect(decodeJwt(await idp.token({ scope: 'admin' })).scope).toBe('admin');
    expect(decodeJwt(await idp.token({ scope: 'read delete openid' })).scope).toBe('read');
    const other = decodeJwt(await idp.token({ resource: 'https://other.example.test', scope: 'write' }));
    expect(other).toMatchObject({ aud: 'https://other.example.test', scope: 'write', iss: idp.issuer });
  });

  test('the provider refuses a bad resource indicator, and token() says so', async () => {
    const idp = await start();
    await expect(idp.token({ resource: 'not a url' })).rejects.toThrow(/^token endpoint answered 400: .*invalid_target/);
  });

  test('rotate(): a new kid signs, the old key stays published until dropOld, one JWKS refetch per new kid', async () => {
    const idp = await start();
    const jwksUrl = new URL(idp.jwksUri);
    // No cooldown: every unknown kid makes jose refetch, so each count below is one refetch.
    const jwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });
    const verify = (token: string) => jwtVerify(token, jwks, { issuer: idp.issuer, audience: idp.audience, typ: 'at+jwt' });

    const first = await idp.token();
    const firstKid = idp.signingKid;
    expect(decodeProtectedHeader(first).kid).toBe(firstKid);
    await verify(first);
    expect(idp.jwksRequests).toBe(1);

    await idp.rotate();
    const secondKid = idp.signingKid;
    expect(secondKid).not.toBe(firstKid);
    expect(idp.publishedKids).toEqual([secondKid, firstKid]);
    const second = await idp.token();
    expect(decodeProtectedHeader(second).kid).toBe(secondKid);
    expect(decodeJwt(second).iss).toBe(idp.issuer);

    expect((await verify(second)).protectedHeader.kid).toBe(secondKid);
    expect(idp.jwksRequests).toBe(2);
    // Both keys are cached now: no more requests.
    await verify(first);
    await verify(second);
    await verify(first);
    expect(idp.jwksRequests).toBe(2);
    expect((await publishedKeys(idp.jwksUri)).map((key) => key.kid)).toEqual([secondKid, firstKid]);
    expect(idp.jwksRequests).toBe(3);

    await idp.rotate({ dropOld: true });
    const thirdKid = idp.signingKid;
    expect(idp.publishedKids).toEqual([thirdKid]);
    expect(new Set([firstKid, secondKid, thirdKid]).size).toBe(3);
    const third = await idp.token();
    expect((await verify(third)).protectedHeader.kid).toBe(thirdKid);
    expect(idp.jwksRequests).toBe(4);
    // The dropped keys are gone from the refetched set: each old token costs one refetch and fails.
    await expect(verify(second)).rejects.toThrow(errors.JWKSNoMatchingKey);
    expect(idp.jwksRequests).toBe(5);
    await expect(verify(first)).rejects.toThrow(errors.JWKSNoMatchingKey);
    expect(idp.jwksRequests).toBe(6);
    expect((await publishedKeys(idp.jwksUri)).map((key) => key.kid)).toEqual([thirdKid]);
  });

  test('stop() makes the provider unreachable, restart() brings it back on the same port', async () => {
    const idp = await start();
    const { issuer, jwksUri } = idp;
    const token = await idp.token();
    await publishedKeys(jwksUri);
    expect(idp.jwksRequests).toBe(1);

    await idp.stop();
    expect(await refusal(jwksUri)).toMatchObject({ code: 'ECONNREFUSED' });
    expect(await refusal(`${issuer}/.well-known/openid-configuration`)).toMatchObject({ code: 'ECONNREFUSED' });
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)))).rejects.toThrow();
    await expect(idp.token()).rejects.toThrow('fetch failed');
    expect(idp.jwksRequests).toBe(1);
    await idp.stop();

    await idp.restart();
    await idp.restart();
    expect(idp.issuer).toBe(issuer);
    expect((await discover(idp)).issuer).toBe(issuer);
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), { issuer, audience: idp.audience });
    expect(payload.iss).toBe(issuer);
    expect(idp.jwksRequests).toBe(2);
    expect(decodeJwt(await idp.token()).iss).toBe(issuer);
  });

  test.each([
    ['ES256', { kty: 'EC', crv: 'P-256' }],
    ['PS256', { kty: 'RSA' }],
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
  ] as const)('alg %s: the key and the token use it', async (alg, key) => {
    const idp = await start(alg);
    expect(idp.alg).toBe(alg);
    const keys = await publishedKeys(idp.jwksUri);
    expect(keys).toEqual([expect.objectContaining({ ...key, alg, use: 'sig', kid: idp.signingKid })]);
    const token = await idp.token({ scope: 'read' });
    const { protectedHeader, payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), {
      issuer: idp.issuer,
      audience: idp.audience,
      typ: 'at+jwt',
      algorithms: [alg],
    });
    expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: idp.signingKid });
    expect(payload.scope).toBe('read');

    await idp.rotate();
    expect(decodeProtectedHeader(await idp.token())).toEqual({ alg, typ: 'at+jwt', kid: idp.signingKid });
  });

  test('close() frees the port, is idempotent, and restart() after it is refused', async () => {
    const idp = await startIdentityProvider();
    expect(await portIsFree(idp.issuer)).toBe(false);
    await idp.token();
    await idp.close();
    expect(await portIsFree(idp.issuer)).toBe(true);
    await idp.close();
    await expect(idp.restart()).rejects.toThrow('the identity provider is closed');
    expect(await portIsFree(idp.issuer)).toBe(true);
  });
});
