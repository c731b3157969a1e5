import { expect } from 'vitest';

/** What `promise` rejects with, checked to be a `Kind`; a promise that fulfils fails the test. */
export async function rejection<E>(promise: Promise<unknown>, Kind: abstract new (...args: never[]) => E): Promise<E> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Kind);
  return err as E;
}
