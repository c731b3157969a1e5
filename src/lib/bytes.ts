// Bytes and text with Web APIs only (typed arrays, TextDecoder; no Buffer): a growable byte buffer,
// decoders by charset label, and Latin-1 conversions.

/** What the readers need of a `TextDecoder`. */
export interface Decoder {
  decode(bytes: Uint8Array): string;
}

const decoders = new Map<string, Decoder>();

/** A decoder for a charset label, UTF-8 for none or one the runtime does not know. */
export function decoderFor(charset: string | undefined): Decoder {
  let label = (charset ?? 'utf-8').toLowerCase();
  if (label === 'utf8') label = 'utf-8';
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = decoders.get('utf-8') ?? new TextDecoder();
    }
    if (decoders.size < 32) decoders.set(label, decoder);
  }
  return decoder;
}

export const UTF8 = decoderFor('utf-8');

/** Text of bytes; plain ASCII in UTF-8 (a login's usual form) without a decoder call. */
export function text(decoder: Decoder, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (decoder === UTF8 && bytes.length <= 1024) {
    let ascii = true;
    for (let i = 0; i < bytes.length && ascii; i++) ascii = (bytes[i] as number) < 0x80;
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return decoder.decode(bytes);
}

/** The bytes of a string whose characters are all below U+0100 (each one byte). */
export const latin1Bytes = (value: string): Uint8Array => Uint8Array.from(value, (c) => c.charCodeAt(0));

/** A growable byte buffer. */
export class Bytes {
  private data = new Uint8Array(64);
  length = 0;

  push(byte: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = byte;
  }

  append(chunk: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    if (this.length + end - start > this.data.length) this.grow(this.length + end - start);
    this.data.set(chunk.subarray(start, end), this.length);
    this.length += end - start;
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  private grow(needed: number): void {
    const next = new Uint8Array(Math.max(needed, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}
