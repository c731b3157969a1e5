const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `value` as a URL keys may be fetched from: https, or plain http on a loopback host only (a key set
 * fetched in the clear could be swapped on the way). `undefined` for anything else.
 */
export function keySourceUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  return undefined;
}
