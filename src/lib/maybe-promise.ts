// A value now, or a promise of it. A protected request whose every step answers at once (a token
// verified before, or with node:crypto; a `resolveUser` that looks in a Map) is answered without a
// single promise; a step that must wait (a store, an async hook, jose) makes the rest wait after it.
// Nothing here is named `then`: a module namespace that exports one is itself a thenable to `import()`.

/** A value now, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** Whether `value` is a promise, or any object with a `then` method, as `await` treats it. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * `next(value)` now when `value` is here, or once it settles. What `next` throws is thrown now, or
 * rejects the promise.
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value);
}

/**
 * `work()`, with what it throws now, or rejects with later, handed to `failed`, whose answer (or
 * throw) stands instead. A value that came at once is returned at once.
 */
export function orElse<T, R = T>(work: () => MaybePromise<T>, failed: (error: unknown) => MaybePromise<R>): MaybePromise<T | R> {
  let value: MaybePromise<T>;
  try {
    value = work();
  } catch (error) {
    return failed(error);
  }
  return isThenable(value) ? Promise.resolve(value).then(undefined, failed) : value;
}
