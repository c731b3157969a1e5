import type { Gatepass, Guard, Requirement, TokenEndpointOptions } from '../index.js';
import { checkOptionNames, checkOptionsObject } from '../lib/options.js';

/** How an adapter answers an `AuthError`: itself (default), or with `forwardErrors`, through the framework's error handling. */
export interface AdapterOptions {
  /** Hand AuthErrors to the framework's error handling (see each adapter's `authErrorHandler`) instead of answering them. */
  forwardErrors?: boolean;
}

/**
 * Options of `requireAuth` and `optionalAuth`: what the route requires (the schemes it accepts, the
 * scopes it needs, whether the user must be active), and how errors are answered.
 */
export interface AuthOptions<User = unknown> extends Requirement<User>, AdapterOptions {}

/**
 * Options of `tokenEndpoint`. `Args` are what the adapter's handler is called with (Express's `req`,
 * Koa's `ctx`, Fastify's `request`, the fetch handler's `request` and whatever follows it).
 */
export interface EndpointOptions<Args extends unknown[] = never[]> extends TokenEndpointOptions, AdapterOptions {
  /**
   * The client's address, for `loginThrottle`'s per-address limit; asked only when logins are
   * throttled. The Node adapters default to the framework's client address (`req.ip`, `ctx.ip`,
   * `request.ip`): the socket's, unless the app told its framework to trust a proxy (Express's
   * `trust proxy`, Koa's `proxy`, Fastify's `trustProxy`), never a client's own header. The fetch
   * adapter has no default: with `loginThrottle` on, `tokenEndpoint` refuses to start without one.
   * `undefined` limits that request by its username only; an exception goes to the framework.
   */
  clientAddress?: ((...args: Args) => string | undefined) | undefined;
}

/** Each option's check, and what it says the allowed values are. */
const CHECKS: Readonly<Record<string, readonly [(value: unknown) => boolean, string]>> = {
  scopes: [(v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== ''), 'an array of scope names'],
  anyScopes: [(v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== ''), 'an array of scope names'],
  schemes: [(v) => Array.isArray(v) && v.length > 0, 'a non-empty array of schemes'],
  active: [(v) => typeof v === 'boolean', 'true or false'],
  forwardErrors: [(v) => typeof v === 'boolean', 'true or false'],
  grantType: [(v) => v === 'lenient' || v === 'strict', "'lenient' or 'strict'"],
  clientAddress: [(v) => typeof v === 'function', 'a function that returns the client address'],
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
export function guardSettings<User>(
  where: string,
  auth: Gatepass<User>,
  options: AuthOptions<User>,
): { guard: Guard<User>; forwardErrors: boolean } {
  check(where, auth as Gatepass<unknown>, options, ['schemes', 'scopes', 'anyScopes', 'active', 'forwardErrors']);
  const { forwardErrors, ...given } = options;
  const requirement: Requirement<User> = {};
  if (given.schemes !== undefined) requirement.schemes = [...given.schemes];
  if (given.scopes !== undefined) requirement.scopes = [...given.scopes];
  if (given.anyScopes !== undefined) requirement.anyScopes = [...given.anyScopes];
  if (given.active !== undefined) requirement.active = given.active;
  // Checks the schemes and scopes now, and registers the schemes for OpenAPI.
  return { guard: auth.guard(requirement, where), forwardErrors: forwardErrors === true };
}

/** A token endpoint's settings, checked once at start-up. */
export function endpointSettings<Args extends unknown[]>(
  where: string,
  auth: Gatepass<unknown>,
  options: EndpointOptions<Args>,
  known: readonly (keyof EndpointOptions<Args>)[] = ['grantType', 'forwardErrors', 'clientAddress'],
): { endpoint: TokenEndpointOptions; forwardErrors: boolean; clientAddress: ((...args: Args) => string | undefined) | undefined } {
  check(where, auth, options, known);
  const endpoint: TokenEndpointOptions = options.grantType === undefined ? {} : { grantType: options.grantType };
  return { endpoint, forwardErrors: options.forwardErrors === true, clientAddress: options.clientAddress };
}
