// `Date` frozen for every test of a file, timers and promises running as usual: for expiry checks.
import { afterEach, beforeEach, vi } from 'vitest';

/** Freezes `Date` at `at` before each test of the file that calls it, and lets it go after. */
export function freezeDate(at: Date): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(at);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
