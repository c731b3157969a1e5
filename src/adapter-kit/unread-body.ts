/** The part of Node's `IncomingMessage` read here (typed by shape: the core imports nothing of node:http). */
export interface IncomingBody {
  readonly complete: boolean;
  readonly readableEnded: boolean;
  readonly destroyed: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(event: string): unknown;
  resume(): unknown;
}

/** How long a refused request's body gets to finish arriving, and how much of it is read meanwhile. */
const GRACE_MS = 250;
const GRACE_BYTES = 64 * 1024;

/**
 * Before answering a request whose body is unread (a refusal at a limit, a guard before any body
 * parser), reads and discards what is still coming for a short grace. A body that ends within it
 * leaves a clean connection that stays open; one that does not (a client trickling bytes, a body far
 * over the limit) resolves `true`: the answer then says `Connection: close` and the socket is closed.
 * Closing at once instead would reset the connection while an ordinary client is still sending, and
 * it would read a network error instead of the answer.
 */
export function stillUnread(req: IncomingBody): Promise<boolean> {
  if (req.complete || req.readableEnded || req.destroyed) return Promise.resolve(!req.complete);
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (unread: boolean): void => {
      clearTimeout(timer);
      req.off('data', counted);
      req.off('end', ended);
      req.off('close', closed);
      resolve(unread);
    };
    const counted = (chunk: Uint8Array): void => {
      bytes += chunk.byteLength;
      if (bytes > GRACE_BYTES) finish(true);
    };
    const ended = (): void => finish(false);
    const closed = (): void => finish(!req.complete);
    const timer = setTimeout(() => finish(true), GRACE_MS);
    // A reader that stopped at a limit (the form parser's) left a 'readable' listener, which would keep
    // the stream from flowing; the rest of the body is only discarded now.
    req.removeAllListeners('readable');
    req.on('data', counted);
    req.once('end', ended);
    req.once('close', closed);
    req.resume();
  });
}

/**
 * {@link stillUnread} for a Web `ReadableStream` (the fetch adapter): reads and discards what is still
 * coming for the same grace, and resolves `true` when the body has not ended by then.
 */
export async function streamStillUnread(body: ReadableStream<Uint8Array>): Promise<boolean> {
  if (body.locked) return true;
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), GRACE_MS)));
  try {
    for (let bytes = 0; bytes <= GRACE_BYTES; ) {
      const next = await Promise.race([reader.read().catch(() => ({ done: true as const, value: undefined })), late]);
      if (next === 'late') return true;
      if (next.done) return false;
      bytes += next.value.byteLength;
    }
    return true;
  } finally {
    clearTimeout(timer);
  }
}
