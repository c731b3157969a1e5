import { AuthError } from '../errors/auth-error.js';
import { thrownBy } from '../errors/endpoint.js';
import { isThenable, type MaybePromise } from './maybe-promise.js';

/**
 * Runs an app-supplied hook within `timeoutMs`: its own AuthErrors pass; any other exception is
 * `ERR_HOOK_FAILED` (500) and no answer in time is `ERR_HOOK_TIMEOUT` (503). Never a pass, never a 401.
 * The exception is not the error's `cause` (see `thrownBy`).
 */
export async function callHook<T>(hook: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  return runHook(hook, timeoutMs);
}

/**
 * {@link callHook} that answers at once when the hook did: a hook that returned a value (a Map lookup,
 * a flag) needs no deadline, and its answer, or what it threw, comes back synchronously. Only a
 * pending promise gets the deadline.
 */
export function runHook<T>(hook: () => T | Promise<T>, timeoutMs: number): MaybePromise<T> {
  let result: T | Promise<T>;
  try {
    result = hook();
  } catch (cause) {
    throw asHookError(cause);
  }
  return isThenable(result) ? withDeadline(result, timeoutMs) : result;
}

async function withDeadline<T>(result: PromiseLike<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (timeoutMs === Infinity) return await result;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AuthError('ERR_HOOK_TIMEOUT')), timeoutMs);
      // A pending check must not keep a process alive that is shutting down (Node only).
      (timer as { unref?: () => void }).unref?.();
    });
    return await Promise.race([result, deadline]);
  } catch (cause) {
    throw asHookError(cause);
  } finally {
    clearTimeout(timer);
  }
}

/** What a hook threw, as the hook's error: its own AuthError, or `ERR_HOOK_FAILED`. */
const asHookError = (cause: unknown): AuthError => (cause instanceof AuthError ? cause : hookFailure(cause));

/** `ERR_HOOK_FAILED` for what a hook threw, kept aside for `onError` rather than as `cause`. */
export function hookFailure(thrown: unknown): AuthError {
  const err = new AuthError('ERR_HOOK_FAILED');
  thrownBy.set(err, thrown);
  return err;
}

/** Checks a hook timeout option at setup. */
export function checkTimeout(value: number, what: string): number {
  if (value !== Infinity && (!Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1)) {
    throw new RangeError(`${what}: hookTimeout must be a positive number of milliseconds (at most 2^31 - 1) or Infinity`);
  }
  return value;
}

/**
 * Runs an operation on a store the app configured (revocations in Redis): like {@link callHook}, but
 * a failure or no answer in time is `ERR_STORE_UNAVAILABLE` (503), with what the store threw kept for
 * `onError`. Never a pass.
 */
export async function callStore<T>(operation: () => Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await callHook(operation, timeoutMs);
  } catch (err) {
    if (!(err instanceof AuthError) || (err.code !== 'ERR_HOOK_FAILED' && err.code !== 'ERR_HOOK_TIMEOUT')) throw err;
    const unavailable = new AuthError('ERR_STORE_UNAVAILABLE');
    thrownBy.set(unavailable, thrownBy.get(err));
    throw unavailable;
  }
}
