// The token endpoint shared by every adapter: the token or the refusal as an answer, or an error to
// rethrow. Any method but POST gets METHOD_NOT_ALLOWED (./http-answer.ts) from the adapter itself.
import type { Gatepass, PasswordFormRequest } from '../index.js';
import { httpAnswer } from './http-answer.js';
import { handlerName } from './names.js';
import { endpointSettings, type EndpointOptions } from './options.js';
import { refusal, type Answer, type BodyUnread, type Rethrow } from './outcome.js';

export interface TokenEndpoint {
  /** The name of the request handler the adapter returns: `gatepassTokenEndpoint`. */
  readonly name: string;
  /**
   * Issues a token for the form, or refuses it. `bodyUnread` is asked when the answer is made: a body
   * the core stopped reading (a limit, not a form) closes the connection.
   */
  run(form: PasswordFormRequest, bodyUnread: BodyUnread): Promise<Answer | Rethrow>;
  /** What an AuthError the framework raised itself, before the core ran, becomes. */
  refuse(error: unknown, bodyUnread: BodyUnread): Promise<Answer | Rethrow>;
}

/** A token endpoint, its options checked at once (start-up). */
export function createTokenEndpoint(adapter: string, auth: Gatepass<unknown>, options: EndpointOptions): TokenEndpoint {
  const { endpoint, forwardErrors } = endpointSettings(`gatepass/${adapter} tokenEndpoint`, auth, options);
  return {
    name: handlerName('tokenEndpoint'),
    async run(form, bodyUnread) {
      try {
        const issued = await auth.issueToken(form, endpoint);
        return { kind: 'answer', answer: httpAnswer(issued, await bodyUnread()) };
      } catch (error) {
        return refusal(error, forwardErrors, bodyUnread);
      }
    },
    refuse: (error, bodyUnread) => refusal(error, forwardErrors, bodyUnread),
  };
}
