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

/**
 * Text of `bytes[start, end)`. Short plain ASCII in UTF-8 (a login's usual form) is read without a
 * decoder call or a view (`subarray` costs more than a short copy).
 */
export function text(decoder: Decoder, bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end <= start) return '';
  if (decoder === UTF8 && end - start <= 256) {
    let out = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i] as number;
      if (c >= 0x80) return decoder.decode(bytes.subarray(start, end));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/** The bytes of a string whose characters are all below U+0100 (each one byte). */
export function latin1Bytes(value: string): Uint8Array {
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  return bytes;
}

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
    if (end - start <= 32) {
      for (let i = start; i < end; i++) this.data[this.length++] = chunk[i] as number;
      return;
    }
    this.data.set(chunk.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** The bytes as text. */
  text(decoder: Decoder): string {
    return text(decoder, this.data, 0, this.length);
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
