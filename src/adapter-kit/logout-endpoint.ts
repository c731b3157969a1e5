// The logout endpoint shared by every adapter: the presented bearer token revoked (204), or the
// refusal a protected route would give, or an error to rethrow. Methods other than POST get 405.
import type { CredentialSources, Gatepass } from '../index.js';
import type { HttpAnswer } from './http-answer.js';
import { handlerName } from './names.js';
import { endpointSettings, type AdapterOptions } from './options.js';
import { settle, type Answer, type BodyUnread, type Rethrow } from './outcome.js';

/** The answer to a logout: no content, and nothing for a cache to keep. */
export const LOGGED_OUT: Readonly<HttpAnswer> = { status: 204, headers: { 'Cache-Control': 'no-store' }, body: '' };

export interface LogoutEndpoint {
  /** `gatepassLogoutEndpoint`. */
  readonly name: string;
  run(sources: CredentialSources, bodyUnread: BodyUnread): Promise<Answer | Rethrow>;
}

/** A logout endpoint, its options checked at once (start-up). */
export function createLogoutEndpoint(adapter: string, auth: Gatepass<unknown>, options: AdapterOptions): LogoutEndpoint {
  const { forwardErrors } = endpointSettings(`gatepass/${adapter} logoutEndpoint`, auth, options, ['forwardErrors']);
  return {
    name: handlerName('logoutEndpoint'),
    async run(sources, bodyUnread) {
      const outcome = await settle(() => auth.logout(sources), forwardErrors, bodyUnread);
      return outcome.kind === 'pass' ? { kind: 'answer', answer: LOGGED_OUT } : outcome;
    },
  };
}
