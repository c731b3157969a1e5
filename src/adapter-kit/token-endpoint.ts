// The token endpoint shared by every adapter: the token or the refusal as an answer, or an error to
// rethrow. Any method but POST gets METHOD_NOT_ALLOWED (./http-answer.ts) from the adapter itself.
import type { Gatepass, PasswordFormRequest, TokenRequest } from '../index.js';
import { httpAnswer } from './http-answer.js';
import { handlerName } from './names.js';
import { endpointSettings, type EndpointOptions } from './options.js';
import { refusal, type Answer, type BodyUnread, type Rethrow } from './outcome.js';

export interface TokenEndpoint<Args extends unknown[]> {
  /** The name of the request handler the adapter returns: `gatepassTokenEndpoint`. */
  readonly name: string;
  /**
   * Issues a token for the form, or refuses it. `bodyUnread` is asked when the answer is made: a body
   * the core stopped reading (a limit, not a form) closes the connection. `args` are the handler's,
   * for the client's address when logins are throttled.
   */
  run(form: PasswordFormRequest, bodyUnread: BodyUnread, ...args: Args): Promise<Answer | Rethrow>;
  /** What an AuthError the framework raised itself, before the core ran, becomes. */
  refuse(error: unknown, bodyUnread: BodyUnread): Promise<Answer | Rethrow>;
}

/**
 * A token endpoint, its options checked at once (start-up). `socketAddress` is the adapter's default
 * for the client's address; without one (fetch), throttled logins need the app's `clientAddress`.
 */
export function createTokenEndpoint<Args extends unknown[]>(
  adapter: string,
  auth: Gatepass<unknown>,
  options: EndpointOptions<Args>,
  socketAddress?: (...args: Args) => string | undefined,
): TokenEndpoint<Args> {
  const where = `gatepass/${adapter} tokenEndpoint`;
  const settings = endpointSettings(where, auth, options);
  const { endpoint, forwardErrors } = settings;
  const clientAddress = settings.clientAddress ?? socketAddress;
  const throttled = auth.loginThrottle !== undefined;
  if (throttled && clientAddress === undefined) {
    throw new TypeError(
      `${where}: loginThrottle limits each client address, and a Request carries none — give clientAddress, ` +
        'a function that returns the address from the request (or () => undefined to limit by username only)',
    );
  }
  /** The request with the client's address, asked only when logins are throttled. */
  const withAddress = (form: PasswordFormRequest, args: Args): TokenRequest => {
    if (!throttled || clientAddress === undefined) return form;
    const address = clientAddress(...args);
    if (address !== undefined && typeof address !== 'string') throw new TypeError(`${where}: clientAddress must return a string or undefined`);
    return { ...form, clientAddress: address === '' ? undefined : address };
  };
  return {
    name: handlerName('tokenEndpoint'),
    async run(form, bodyUnread, ...args) {
      try {
        const issued = await auth.issueToken(withAddress(form, args), endpoint);
        return { kind: 'answer', answer: httpAnswer(issued, await bodyUnread()) };
      } catch (error) {
        return refusal(error, forwardErrors, bodyUnread);
      }
    },
    refuse: (error, bodyUnread) => refusal(error, forwardErrors, bodyUnread),
  };
}
