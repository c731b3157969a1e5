// What an adapter does once the core has answered: go on with what it returned, write an answer, or
// hand an error to the framework. The adapters only carry it out.
import { AuthError } from '../index.js';
import { httpAnswer, type HttpAnswer } from './http-answer.js';
import { andThen, orElse, type MaybePromise } from '../lib/maybe-promise.js';

/** Go on: the guard admitted the request (with its principal, or `null` when anonymous). */
export interface Pass<T> {
  readonly kind: 'pass';
  readonly value: T;
}

/** Write this answer, unless another middleware already answered. */
export interface Answer {
  readonly kind: 'answer';
  readonly answer: HttpAnswer;
}

/** Hand this error to the framework: an AuthError with `forwardErrors`, or anything that is not an AuthError. */
export interface Rethrow {
  readonly kind: 'rethrow';
  readonly error: unknown;
}

export type Outcome<T> = Pass<T> | Answer | Rethrow;

/**
 * Whether the request's body is still unread when an answer is made; a Node adapter first lets it
 * finish arriving for a short grace (./unread-body.ts), so the answer may wait for it.
 */
export type BodyUnread = () => boolean | Promise<boolean>;

/**
 * What a refusal becomes: an AuthError is answered (`bodyUnread` is asked then, so the answer closes a
 * connection whose body is still coming), unless it is forwarded; any other error is rethrown.
 */
export async function refusal(error: unknown, forwardErrors: boolean, bodyUnread: BodyUnread): Promise<Answer | Rethrow> {
  if (error instanceof AuthError && !forwardErrors) return { kind: 'answer', answer: httpAnswer(error, await bodyUnread()) };
  return { kind: 'rethrow', error };
}

/** Runs a call into the core and sorts what it settles with. Nothing it throws escapes. */
export async function settle<T>(work: () => Promise<T>, forwardErrors: boolean, bodyUnread: BodyUnread): Promise<Outcome<T>> {
  return settleNow(work, forwardErrors, bodyUnread);
}

/**
 * {@link settle} for a call that may answer at once: a pass that came at once is returned at once (the
 * adapter goes on without a promise); a refusal, or anything that came later, as a promise. Nothing the
 * call throws escapes.
 */
export function settleNow<T>(work: () => MaybePromise<T>, forwardErrors: boolean, bodyUnread: BodyUnread): MaybePromise<Outcome<T>> {
  return orElse(
    () => andThen(work(), (value): Outcome<T> => ({ kind: 'pass', value })),
    (error) => refusal(error, forwardErrors, bodyUnread),
  );
}
