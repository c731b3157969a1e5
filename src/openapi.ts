/**
 * OpenAPI pieces that make the docs' *Authorize* button work with the password flow: the security
 * scheme, the per-operation requirement, and the token endpoint's path item.
 *
 * @module
 */
import type { ScopeDescriptions } from './scopes.js';

/** What the OpenAPI snippet describes. */
export interface OpenApiOptions {
  /**
   * Where the token endpoint is. A relative URL (`'token'`) resolves against the document's URL, so
   * the docs keep working when the app is mounted under a prefix or behind a proxy.
   */
  tokenUrl: string;
  /** Where tokens are refreshed, if the app has such an endpoint. */
  refreshUrl?: string;
  /** Declared scopes with their descriptions, listed in the *Authorize* dialog. */
  scopes?: ScopeDescriptions;
  /** The security scheme's name in `components.securitySchemes`. Default `'OAuth2PasswordBearer'` (FastAPI's). */
  schemeName?: string;
  /** The OpenAPI version of the document the snippet goes into. Default `'3.1'`. */
  version?: '3.1' | '3.0';
  /** Whether the token endpoint requires `grant_type=password` (strict form). Default `false`. */
  strictGrantType?: boolean;
}

/** A JSON object as it appears in an OpenAPI document. */
export type OpenApiObject = { [key: string]: unknown };

/** The OpenAPI pieces for the password flow. */
export interface OpenApiSnippet {
  /** Goes into `components.securitySchemes`. */
  securitySchemes: Record<string, OpenApiObject>;
  /** An operation's `security` requirement, with the scopes it needs. */
  security(scopes?: readonly string[]): Array<Record<string, string[]>>;
  /** The path item of the token endpoint (`paths[tokenPath]`). */
  tokenPathItem: OpenApiObject;
  /** The 401 and 403 responses of a protected operation, to merge into its `responses`. */
  protectedResponses: Record<string, OpenApiObject>;
}

const OAUTH_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope'];

/**
 * Describes the OAuth2 password flow for an OpenAPI 3.1 or 3.0 document.
 *
 * @example
 * ```ts
 * import { openApiSecurity } from 'gatepass';
 *
 * const oauth = openApiSecurity({ tokenUrl: 'token', scopes: { me: 'Read information about the current user.' } });
 * const document = {
 *   openapi: '3.1.0',
 *   info: { title: 'My API', version: '1.0.0' },
 *   components: { securitySchemes: oauth.securitySchemes },
 *   paths: {
 *     '/token': oauth.tokenPathItem,
 *     '/users/me/': {
 *       get: { security: oauth.security(['me']), responses: { '200': { description: 'The user' }, ...oauth.protectedResponses } },
 *     },
 *   },
 * };
 * ```
 */
export function openApiSecurity(options: OpenApiOptions): OpenApiSnippet {
  const name = options.schemeName ?? 'OAuth2PasswordBearer';
  const v30 = options.version === '3.0';
  const example = (value: unknown): OpenApiObject => (v30 ? { example: value } : { examples: [value] });
  const flow: OpenApiObject = { tokenUrl: options.tokenUrl, scopes: { ...options.scopes } };
  if (options.refreshUrl !== undefined) flow.refreshUrl = options.refreshUrl;

  const secret = { type: 'string', format: 'password' };
  // With a refreshUrl, the endpoint answers the refresh token grant too (RFC 6749 §6): username and
  // password are then the password grant's, refresh_token the refresh grant's.
  const refreshes = options.refreshUrl !== undefined;
  const grantType = { type: 'string', enum: refreshes ? ['password', 'refresh_token'] : ['password'] };
  const forPassword = refreshes ? { description: 'Required for the password grant.' } : {};
  const required = [...(options.strictGrantType ? ['grant_type'] : []), ...(refreshes ? [] : ['username', 'password'])];
  const form = {
    type: 'object',
    // OpenAPI 3.0 allows no empty `required`.
    ...(required.length === 0 ? {} : { required }),
    properties: {
      grant_type: grantType,
      username: { type: 'string', ...example('johndoe'), ...forPassword },
      password: { ...secret, ...forPassword },
      ...(refreshes ? { refresh_token: { ...secret, description: 'Required for the refresh token grant: the one the last token response carried.' } } : {}),
      scope: { type: 'string', default: '', description: refreshes ? 'Space-separated scopes to request; on a refresh, a subset of the login\'s.' : 'Space-separated scopes to request.' },
      client_id: { type: 'string' },
      client_secret: secret,
    },
  };
  const noStore = {
    'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } },
    Pragma: { schema: { type: 'string', enum: ['no-cache'] } },
  };
  const tokenError = (description: string): OpenApiObject => ({
    description,
    headers: noStore,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['error', 'detail'],
          properties: {
            error: { type: 'string', enum: OAUTH_ERRORS },
            error_description: { type: 'string' },
            detail: { type: 'string' },
          },
        },
      },
    },
  });
  const detail = (description: string, challenge: boolean): OpenApiObject => ({
    description,
    ...(challenge
      ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: "The challenge of the route's schemes (RFC 9110 §11.6.1, RFC 6750 §3)." } } }
      : {}),
    content: {
      'application/json': {
        schema: { type: 'object', required: ['detail'], properties: { detail: { type: 'string' } } },
      },
    },
  });

  return {
    securitySchemes: { [name]: { type: 'oauth2', flows: { password: flow } } },
    security: (scopes = []) => [{ [name]: [...scopes] }],
    tokenPathItem: {
      post: {
        summary: refreshes ? 'Log in with a username and password, or refresh a login' : 'Log in with a username and password',
        description: refreshes
          ? 'The OAuth 2.0 password grant (RFC 6749 §4.3), for first-party clients only, and the refresh token grant (RFC 6749 §6): each refresh token is used once.'
          : 'The OAuth 2.0 password grant (RFC 6749 §4.3), for first-party clients only.',
        operationId: 'issueToken',
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: form }, 'multipart/form-data': { schema: form } },
        },
        responses: {
          '200': {
            description: 'An access token (RFC 6749 §5.1).',
            headers: noStore,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['access_token', 'token_type', 'expires_in', ...(refreshes ? ['refresh_token'] : [])],
                  properties: {
                    access_token: { type: 'string' },
                    token_type: { type: 'string', enum: ['bearer'] },
                    expires_in: { type: 'integer', minimum: 1, ...example(1800) },
                    ...(refreshes ? { refresh_token: { type: 'string' } } : {}),
                    scope: { type: 'string' },
                  },
                },
              },
            },
          },
          '400': tokenError('The request or the credentials were refused (RFC 6749 §5.2).'),
          '401': tokenError('Client authentication failed.'),
          '413': tokenError('The request body is too large.'),
        },
      },
    },
    protectedResponses: {
      '401': detail('Missing or refused credentials.', true),
      '403': detail('The credentials lack a required scope.', true),
    },
  };
}
