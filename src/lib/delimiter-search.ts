/**
 * Finds a byte string in bytes (Boyer-Moore-Horspool: a long run without it is skipped a needle's
 * length at a time), and says how many bytes at the end may begin one.
 */
export class DelimiterSearch {
  // Shifts of at most 255: a longer needle only skips less far than it could.
  private readonly skip = new Uint8Array(256);

  constructor(private readonly needle: Uint8Array) {
    const last = needle.length - 1;
    this.skip.fill(Math.min(needle.length, 255));
    for (let k = 0; k < last; k++) this.skip[needle[k] as number] = Math.min(last - k, 255);
  }

  /** The first index of the needle in `haystack` from `from`, or -1. */
  indexOf(haystack: Uint8Array, from: number): number {
    const needle = this.needle;
    const last = needle.length - 1;
    const lastByte = needle[last] as number;
    for (let i = from; i + last < haystack.length; ) {
      const c = haystack[i + last] as number;
      if (c === lastByte) {
        let j = last - 1;
        while (j >= 0 && haystack[i + j] === needle[j]) j--;
        if (j < 0) return i;
      }
      i += this.skip[c] as number;
    }
    return -1;
  }

  /** How many of the last bytes of `haystack` from `from` on are the start of the needle. */
  partialAtEnd(haystack: Uint8Array, from: number): number {
    const needle = this.needle;
    for (let k = Math.min(needle.length - 1, haystack.length - from); k > 0; k--) {
      const start = haystack.length - k;
      if (haystack[start] !== needle[0]) continue;
      let j = 1;
      while (j < k && haystack[start + j] === needle[j]) j++;
      if (j === k) return k;
    }
    return 0;
  }
}
