// The OpenAPI snippet: what the docs' Authorize button needs, for OpenAPI 3.1 and 3.0.
import { describe, expect, it } from 'vitest';
import { createGatepass, openApiSecurity } from '../src/index.js';

const scopes = { me: 'Read information about the current user.', items: 'Read items.' };

describe('openApiSecurity', () => {
  it('describes the OAuth2 password flow as a security scheme', () => {
    const oauth = openApiSecurity({ tokenUrl: 'token', scopes });
    expect(oauth.securitySchemes).toEqual({
      OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: 'token', scopes } } },
    });
    expect(openApiSecurity({ tokenUrl: '/auth/token', refreshUrl: '/auth/refresh', schemeName: 'auth' }).securitySchemes).toEqual({
      auth: { type: 'oauth2', flows: { password: { tokenUrl: '/auth/token', refreshUrl: '/auth/refresh', scopes: {} } } },
    });
  });

  it('gives an operation its security requirement', () => {
    const oauth = openApiSecurity({ tokenUrl: 'token', scopes });
    expect(oauth.security(['me', 'items'])).toEqual([{ OAuth2PasswordBearer: ['me', 'items'] }]);
    expect(oauth.security()).toEqual([{ OAuth2PasswordBearer: [] }]);
  });

  it('describes the token endpoint: a form with a password-format secret, and its answers', () => {
    const post = (openApiSecurity({ tokenUrl: 'token' }).tokenPathItem as { post: any }).post;
    const form = post.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(post.requestBody.content['multipart/form-data'].schema).toEqual(form);
    expect(form.required).toEqual(['username', 'password']);
    expect(form.properties.password).toEqual({ type: 'string', format: 'password' });
    expect(form.properties.client_secret).toEqual({ type: 'string', format: 'password' });
    expect(form.properties.grant_type).toEqual({ type: 'string', enum: ['password'] });
    expect(Object.keys(post.responses)).toEqual(['200', '400', '401', '413']);
    expect(post.responses['200'].content['application/json'].schema.required).toEqual(['access_token', 'token_type', 'expires_in']);
    const strict = (openApiSecurity({ tokenUrl: 'token', strictGrantType: true }).tokenPathItem as { post: any }).post;
    expect(strict.requestBody.content['application/x-www-form-urlencoded'].schema.required).toEqual([
      'grant_type',
      'username',
      'password',
    ]);
  });

  it('describes the refresh token grant too when there is a refreshUrl', () => {
    const post = (openApiSecurity({ tokenUrl: 'token', refreshUrl: 'token' }).tokenPathItem as { post: any }).post;
    const form = post.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.required).toBeUndefined();
    expect(form.properties.grant_type).toEqual({ type: 'string', enum: ['password', 'refresh_token'] });
    expect(form.properties.refresh_token).toMatchObject({ type: 'string', format: 'password' });
    expect(form.properties.username.description).toBe('Required for the password grant.');
    expect(post.responses['200'].content['application/json'].schema.required).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token']);
    const strict = (openApiSecurity({ tokenUrl: 'token', refreshUrl: 'token', strictGrantType: true }).tokenPathItem as { post: any }).post;
    expect(strict.requestBody.content['application/x-www-form-urlencoded'].schema.required).toEqual(['grant_type']);
  });

  it('writes examples the way each OpenAPI version wants them', () => {
    const tokenSchema = (version: '3.0' | '3.1') =>
      (openApiSecurity({ tokenUrl: 'token', version }).tokenPathItem as { post: any }).post.responses['200'].content[
        'application/json'
      ].schema.properties.expires_in;
    expect(tokenSchema('3.1')).toEqual({ type: 'integer', minimum: 1, examples: [1800] });
    expect(tokenSchema('3.0')).toEqual({ type: 'integer', minimum: 1, example: 1800 });
  });

  it('describes the 401 and 403 answers of protected operations with their challenge header', () => {
    const { protectedResponses } = openApiSecurity({ tokenUrl: 'token' });
    expect(Object.keys(protectedResponses)).toEqual(['401', '403']);
    expect(protectedResponses['401']).toHaveProperty('headers.WWW-Authenticate');
  });

  it('fills in the engine\'s declared scopes', () => {
    const auth = createGatepass({
      secret: 'a-test-secret-that-is-at-least-32-bytes-long',
      scopes,
      verifyCredentials: () => null,
      resolveUser: () => null,
    });
    expect(auth.openApi({ tokenUrl: 'token' }).securitySchemes.OAuth2PasswordBearer).toEqual({
      type: 'oauth2',
      flows: { password: { tokenUrl: 'token', scopes } },
    });
  });
});
