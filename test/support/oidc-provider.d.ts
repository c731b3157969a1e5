// The part of oidc-provider (which ships no types) that test/support/identity-provider.ts uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export class Provider {
    /** `configuration` is documented in the package's docs/README.md. */
    constructor(issuer: string, configuration?: Record<string, unknown>);
    /** The Issuer Identifier, as given. */
    readonly issuer: string;
    /** Koa's request listener for the provider's routes (the provider is a Koa application). */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** The path of a named route, e.g. `pathFor('jwks')`, with the issuer's path prefix. */
    pathFor(name: string): string;
  }
  export default Provider;
}
