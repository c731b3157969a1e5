import type { Gatepass, Requirement, TokenEndpointOptions } from '../engine.js';
import { checkOptionNames, checkOptionsObject } from './options.js';

/** How an adapter answers an `AuthError`: itself (default), or with `forwardErrors`, through the framework's error handling. */
export interface AdapterOptions {
  /** Hand AuthErrors to the framework's error handling (see each adapter's `authErrorHandler`) instead of answering them. */
  forwardErrors?: boolean;
}

/** Options of `requireAuth` and `optionalAuth`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface AuthOptions extends Requirement<any>, AdapterOptions {}

/** Options of `tokenEndpoint`. */
export interface EndpointOptions extends TokenEndpointOptions, AdapterOptions {}

/** Each option's check, and what it says the allowed values are. */
const CHECKS: Readonly<Record<string, readonly [(value: unknown) => boolean, string]>> = {
  scopes: [(v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== ''), 'an array of scope names'],
  anyScopes: [(v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== ''), 'an array of scope names'],
  schemes: [(v) => Array.isArray(v) && v.length > 0, 'a non-empty array of schemes'],
  active: [(v) => typeof v === 'boolean', 'true or false'],
  forwardErrors: [(v) => typeof v === 'boolean', 'true or false'],
  grantType: [(v) => v === 'lenient' || v === 'strict', "'lenient' or 'strict'"],
};

/** Throws at start-up on a missing engine or a mistyped option (`scope` for `scopes` would unguard a route). */
function check(where: string, auth: Gatepass<unknown>, options: object, keys: readonly string[]): void {
  if (typeof auth?.authenticate !== 'function') throw new TypeError(`${where}: expected the engine from createGatepass()`);
  checkOptionsObject(where, options);
  checkOptionNames(where, options, Object.fromEntries(keys.map((key) => [key, true] as const)));
  for (const [key, value] of Object.entries(options)) {
    const [valid, allowed] = CHECKS[key]!;
    if (value !== undefined && !valid(value)) throw new TypeError(`${where}: ${key} must be ${allowed}`);
  }
}

/**
 * A guard's settings, checked once at start-up: the requirement (a copy, so the caller changing its
 * options later changes nothing) and whether errors are forwarded. A required scope that is not
 * declared is a typo that would refuse everyone, so it throws here, as does a list with no scheme.
 */
export function guardSettings(
  where: string,
  auth: Gatepass<unknown>,
  options: AuthOptions,
// eslint-disable-next-line @typescript-eslint/no-explicit-any
): { requirement: Requirement<any>; forwardErrors: boolean } {
  check(where, auth, options, ['schemes', 'scopes', 'anyScopes', 'active', 'forwardErrors']);
  const { forwardErrors, ...given } = options;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const requirement: Requirement<any> = {};
  if (given.schemes !== undefined) requirement.schemes = [...given.schemes];
  if (given.scopes !== undefined) requirement.scopes = [...given.scopes];
  if (given.anyScopes !== undefined) requirement.anyScopes = [...given.anyScopes];
  if (given.active !== undefined) requirement.active = given.active;
  // Checks the schemes and scopes now, and registers the schemes for OpenAPI.
  auth.guard(requirement, where);
  return { requirement, forwardErrors: forwardErrors === true };
}

/** A token endpoint's settings, checked once at start-up. */
export function endpointSettings(
  where: string,
  auth: Gatepass<unknown>,
  options: EndpointOptions,
): { endpoint: TokenEndpointOptions; forwardErrors: boolean } {
  check(where, auth, options, ['grantType', 'forwardErrors']);
  const endpoint: TokenEndpointOptions = options.grantType === undefined ? {} : { grantType: options.grantType };
  return { endpoint, forwardErrors: options.forwardErrors === true };
}
