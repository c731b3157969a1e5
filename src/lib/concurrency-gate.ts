import { AuthError } from '../errors/auth-error.js';

/** Runs at most `limit` tasks at once, queues up to `queue` more, and refuses the rest with `ERR_BUSY`. */
export class ConcurrencyGate {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly queue: number,
    private readonly retryAfter: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.limit) this.#active++;
    else if (this.#waiting.length < this.queue) await new Promise<void>((start) => this.#waiting.push(start));
    else throw new AuthError('ERR_BUSY', { retryAfter: this.retryAfter });
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.#waiting.shift();
      if (next === undefined) this.#active--;
      else next();
    }
  }
}
