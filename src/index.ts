/**
 * gatepass: OAuth2 password flow and bearer-token auth for every Node framework.
 *
 * The main entry is the pure core: it takes plain request parts and returns plain results or an
 * {@link AuthError} that carries its HTTP answer. Framework adapters live at `gatepass/express`,
 * `gatepass/koa`, `gatepass/fastify` and `gatepass/fetch`; password hashing at `gatepass/password`.
 *
 * @packageDocumentation
 */
export { findBearerToken, parseAuthorizationHeader, type CredentialSources, type TokenLocations } from './authorization-header.js';
export {
  createGatepass,
  type Gatepass,
  type GatepassUser,
  type GatepassOptions,
  type Login,
  type Principal,
  type Requirement,
  type SecurityRequirement,
  type TokenEndpointOptions,
  type TokenRequest,
} from './engine.js';
export type { LoginThrottleOptions, LoginThrottleSettings } from './throttle/login-throttle.js';
export type { RedisClientLike } from './lib/redis-client.js';
export type { Guard } from './guard.js';
export { apiKey, type ApiKeyLocation, type ApiKeyOptions } from './schemes/api-key.js';
export { createApiKeyStore, type ApiKeyStore } from './schemes/api-key-store.js';
export { httpBasic, type BasicCredentials, type HttpBasicOptions } from './schemes/http-basic.js';
export { httpBearer, type HttpBearerOptions } from './schemes/http-bearer.js';
export { openIdConnect, type OpenIdConnectOptions } from './schemes/open-id-connect.js';
export type { HookRunner, OpenApiVersion, Scheme, SecurityContext, Verified, VerifyHook } from './schemes/scheme.js';
export {
  AuthError,
  BearerError,
  TokenRequestError,
  type AuthErrorJSON,
  type AuthErrorOptions,
  type ResourceErrorBody,
  type TokenErrorBody,
} from './errors/auth-error.js';
export type { AuthErrorCode, OAuthErrorCode, ResourceErrorCode, SharedErrorCode, TokenErrorCode } from './errors/codes.js';
export { openApiSecurity, type OpenApiObject, type OpenApiOptions, type OpenApiSnippet } from './openapi.js';
export type { BodyInput, FormLimits } from './grant/form-body.js';
export { parsePasswordForm, type PasswordForm, type PasswordFormOptions, type PasswordFormRequest } from './grant/password-grant.js';
export { grantScopes, parseScope, requireScopes, type ScopeDescriptions } from './scopes.js';
export { createTokens, type AccessTokenClaims, type IssuedToken, type IssueOptions, type TokenOptions, type Tokens } from './tokens/tokens.js';
export type { AsymmetricAlgorithm, TokenAlgorithm } from './tokens/algorithms.js';
export type { AddKeyOptions, KeyInfo, KeySet } from './tokens/key-set.js';
export type { KeyInput, KeySpec } from './tokens/signing-key.js';
export type { RemoteKeySetOptions } from './tokens/remote-key-set.js';
export type { TrustedIssuer } from './tokens/trusted-issuer.js';
export type { VerifiedTokenCacheOptions } from './tokens/verified-cache.js';
export { createMemoryRevocationStore, type MemoryRevocationStoreOptions, type RevocationStore } from './tokens/revocation-store.js';
export { createRedisRevocationStore, type RedisRevocationStoreOptions } from './tokens/redis-revocation-store.js';
export {
  createMemoryRefreshTokenStore,
  type RefreshFamily,
  type RefreshTokenEntry,
  type RefreshTokenStore,
  type RotateOutcome,
} from './refresh/refresh-token-store.js';
export { createRedisRefreshTokenStore, type RedisRefreshTokenStoreOptions } from './refresh/redis-refresh-token-store.js';
export type { RefreshTokenOptions } from './refresh/refresh-grant.js';
export { tokenResponse, type TokenResponse, type TokenResponseBody, type TokenResponseHeaders } from './tokens/token-response.js';
