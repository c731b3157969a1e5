/**
 * Fetches a JSON document from a server the app trusts for keys (a JWKS, a discovery document) at a
 * bounded cost: one deadline for the whole exchange, a byte limit checked while reading, no redirect.
 */

/** Limits of {@link fetchJson}. */
export interface FetchJsonOptions {
  /** Aborts the request and the reading of its body: the deadline of the whole exchange. */
  signal: AbortSignal;
  /** The largest body accepted, in bytes; reading stops at the first byte over it. */
  maxBytes: number;
  headers?: Headers | Record<string, string>;
  /** The fetch to use. Default: the global one. */
  fetch?: typeof fetch;
}

/** Why a document could not be had: the message names the URL and the fault, never a body. */
export class FetchJsonError extends Error {
  override readonly name = 'FetchJsonError';
}

/** GETs `url` and parses its body as JSON, refusing a non-200 answer, a larger body, or one that is not UTF-8 JSON. */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const { signal, maxBytes } = options;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { method: 'GET', signal, redirect: 'manual', headers: options.headers ?? {} });
  } catch (cause) {
    throw new FetchJsonError(`${url}: ${signal.aborted ? 'no answer in time' : 'the request failed'}`, { cause });
  }
  try {
    if (response.status !== 200) throw new FetchJsonError(`${url}: answered ${response.status}, expected 200`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) throw new FetchJsonError(`${url}: the document is larger than ${maxBytes} bytes`);
    const bytes = await readAtMost(response, maxBytes, url, signal);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (cause) {
      throw new FetchJsonError(`${url}: the document is not UTF-8`, { cause });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new FetchJsonError(`${url}: the document is not JSON`, { cause });
    }
  } finally {
    // Whatever was left unread is let go of, so the connection does not wait on it.
    await response.body?.cancel().catch(() => {});
  }
}

async function readAtMost(response: Response, maxBytes: number, url: string, signal: AbortSignal): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new FetchJsonError(`${url}: the document is larger than ${maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof FetchJsonError) throw cause;
    throw new FetchJsonError(`${url}: ${signal.aborted ? 'no answer in time' : 'the answer broke off'}`, { cause });
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
