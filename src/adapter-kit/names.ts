// One naming rule for what the adapters hand to an app, so a stack trace says whose code it is: the
// function that handles a request is `gatepass` + its factory's name (`gatepassRequireAuth`,
// `gatepassOptionalAuth`, `gatepassTokenEndpoint`); a function that makes or mounts one adds what it
// is (the fetch adapter's `gatepassRequireAuthWrapper`, the Fastify adapter's `gatepassTokenEndpointPlugin`).

/** The factories every adapter exports besides `authErrorHandler`. */
export type Factory = 'requireAuth' | 'optionalAuth' | 'tokenEndpoint' | 'jwksEndpoint' | 'logoutEndpoint';

/** `requireAuth` → `gatepassRequireAuth`, with an optional suffix (`Wrapper`, `Plugin`). */
export function handlerName(factory: Factory, suffix: '' | 'Wrapper' | 'Plugin' = ''): string {
  return `gatepass${factory.charAt(0).toUpperCase()}${factory.slice(1)}${suffix}`;
}

/** Gives `fn` its name (stack traces read it), and returns it. */
export function named<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  return Object.defineProperty(fn, 'name', { value: name, configurable: true });
}
