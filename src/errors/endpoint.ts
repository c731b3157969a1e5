import type { AuthError, AuthErrorOptions } from './auth-error.js';

/**
 * What an app hook threw, for the errors that stand for it (`ERR_HOOK_FAILED`). It is kept here, not
 * as `cause`, because loggers and serializers walk `cause` chains, and a hook's exception is the app's
 * own data (a connection string, a query). The engine hands it to `onError`.
 *
 * @internal
 */
export const thrownBy = new WeakMap<AuthError, unknown>();

/**
 * Re-creates `err` as a {@link BearerError} or {@link TokenRequestError}, keeping its code and fields,
 * so an error raised by a shared helper renders the way its endpoint answers.
 *
 * @internal
 */
export function asEndpointError<T extends AuthError>(
  err: AuthError,
  Kind: new (code: never, options?: AuthErrorOptions) => T,
): T {
  if (err instanceof Kind) return err;
  const options: AuthErrorOptions = { cause: err.cause, basicChallenge: err.basicChallenge, challenges: err.challenges };
  if (err.claim !== undefined) options.claim = err.claim;
  if (err.scopes !== undefined) options.scopes = err.scopes;
  if (err.parameter !== undefined) options.parameter = err.parameter;
  if (err.retryAfter !== undefined) options.retryAfter = err.retryAfter;
  // Only the shared codes (a busy hasher, a failing hook) reach here from the other side.
  const converted = new Kind(err.code as never, options);
  if (thrownBy.has(err)) thrownBy.set(converted, thrownBy.get(err));
  return converted;
}
