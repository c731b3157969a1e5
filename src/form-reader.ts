/**
 * The token endpoint's form reader over plain bytes: `application/x-www-form-urlencoded` and
 * `multipart/form-data` (fields only), fed chunk by chunk, with Web APIs only (no `node:stream`, no
 * `Buffer`), so every runtime and every adapter reads a form the same way.
 *
 * It reads as busboy 1.6 read the token endpoint's forms before it, limit for limit and code for
 * code: field names over 100 bytes (urlencoded), `maxFields` parameters or parts, file parts, broken
 * percent-encoding, part headers and delimiters. `test/form-reader.property.test.ts` compares the two.
 * One difference: raw (not percent-encoded) non-ASCII bytes in a urlencoded form are decoded as UTF-8,
 * as `URLSearchParams` does, where busboy read them as Latin-1.
 *
 * @module
 */
import { TokenRequestError } from './errors/auth-error.js';

/**
 * Receives each field as it ends. `name` is `undefined` for a multipart part without one; `nameTooLong`
 * says a urlencoded name was over 100 bytes. It may throw a {@link TokenRequestError} to stop reading.
 */
export type FieldSink = (name: string | undefined, value: string, nameTooLong: boolean) => void;

/** Whether a field's value is needed: the value of any other is neither kept nor decoded (the sink gets ''). */
export type Wanted = (name: string | undefined) => boolean;

/** A form parser: bytes in, fields out through its sink; `end()` once the body ended. */
export interface FormParser {
  write(chunk: Uint8Array): void;
  end(): void;
}

/** Most bytes of a urlencoded field name (busboy's `fieldNameSize`). */
export const MAX_NAME_BYTES = 100;
// Node's limits on a header section, which busboy applies to each part's headers.
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_HEADER_PAIRS = 2000;

const malformed = (): never => {
  throw new TokenRequestError('ERR_FORM_MALFORMED');
};

const table = (chars: string, extra: (code: number) => boolean = () => false): Uint8Array => {
  const t = new Uint8Array(256);
  for (let code = 0; code < 256; code++) t[code] = chars.includes(String.fromCharCode(code)) || extra(code) ? 1 : 0;
  return t;
};
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// RFC 9110 tchar.
const TOKEN = table(`!#$%&'*+-.^_\`|~${ALNUM}`);
// quoted-string text: HTAB, SP and visible characters but '"' and '\', and obs-text.
const QDTEXT = table('\t', (c) => (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) || c >= 0x80);
// RFC 5987 charset and value characters.
const CHARSET = table(`!#$%&+-^_\`{}~${ALNUM}`);
const EXTENDED_VALUE = table(`!#$&+-.^_\`|~${ALNUM}`);
// A header field value: HTAB, SP, visible characters and obs-text.
const FIELD_VCHAR = table('\t', (c) => (c >= 0x20 && c <= 0x7e) || c >= 0x80);
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX['0123456789abcdef'.charCodeAt(c)] = c;
  HEX['0123456789ABCDEF'.charCodeAt(c)] = c;
}

/** What the reader needs of a `TextDecoder`. */
interface Decoder {
  decode(bytes: Uint8Array): string;
}

const decoders = new Map<string, Decoder>();
/** A decoder for a charset label, UTF-8 for none or one the runtime does not know. */
function decoderFor(charset: string | undefined): Decoder {
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
const UTF8 = decoderFor('utf-8');
/** Text of bytes; plain ASCII in UTF-8 (a login's usual form) without a decoder call. */
function text(decoder: Decoder, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (decoder === UTF8 && bytes.length <= 1024) {
    let ascii = true;
    for (let i = 0; i < bytes.length && ascii; i++) ascii = (bytes[i] as number) < 0x80;
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return decoder.decode(bytes);
}
const latin1Bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** A growable byte buffer. */
class Bytes {
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

interface MediaType {
  type: string;
  params: Record<string, string>;
}

/**
 * Parameters of a header value from `i` on: `; name=token` or `; name="quoted"`, the first of each name
 * kept. With `decode`, `name*=charset'lang'pct-encoded` (RFC 5987) is read, and values pass through it.
 * `undefined` when malformed.
 */
function parseParams(text: string, i: number, decode?: (value: string, charset: string | undefined) => string | undefined): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const code = (at: number): number => text.charCodeAt(at) & 0xff;
  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i === text.length) break;
    if (text[i++] !== ';') return undefined;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i === text.length) return undefined;
    const nameStart = i;
    while (i < text.length && TOKEN[code(i)] === 1 && text.charCodeAt(i) < 256) i++;
    if (i === text.length || text[i] !== '=') return undefined;
    const name = text.slice(nameStart, i).toLowerCase();
    let value: string | undefined = '';
    if (decode !== undefined && name.endsWith('*')) {
      const charsetStart = ++i;
      while (i < text.length && CHARSET[code(i)] === 1) i++;
      if (i === text.length || text[i] !== "'") return undefined;
      const charset = text.slice(charsetStart, i++);
      while (i < text.length && text[i] !== "'") i++;
      if (i === text.length) return undefined;
      if (++i === text.length) return undefined;
      let raw = '';
      let start = i;
      for (; i < text.length; i++) {
        if (EXTENDED_VALUE[code(i)] === 1) continue;
        if (text[i] !== '%') break;
        const hi = HEX[code(i + 1)] ?? -1;
        const lo = HEX[code(i + 2)] ?? -1;
        if (i + 2 >= text.length || hi === -1 || lo === -1) return undefined;
        raw += text.slice(start, i) + String.fromCharCode((hi << 4) + lo);
        i += 2;
        start = i + 1;
      }
      value = decode(raw + text.slice(start, i), charset);
    } else {
      if (++i === text.length) return undefined;
      if (text[i] === '"') {
        let start = ++i;
        let escaping = false;
        for (; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c === 0x5c) {
            if (escaping) {
              start = i;
              escaping = false;
            } else {
              value += text.slice(start, i);
              escaping = true;
            }
            continue;
          }
          if (c === 0x22) {
            if (escaping) {
              start = i;
              escaping = false;
              continue;
            }
            value += text.slice(start, i);
            break;
          }
          if (escaping) {
            start = i - 1;
            escaping = false;
          }
          if (c > 0xff || QDTEXT[c] !== 1) return undefined;
        }
        if (i === text.length) return undefined;
        i++;
      } else {
        const start = i;
        while (i < text.length && text.charCodeAt(i) < 256 && TOKEN[code(i)] === 1) i++;
        if (i === start) return undefined;
        value = text.slice(start, i);
      }
      if (decode !== undefined) value = decode(value, undefined);
    }
    if (value === undefined) return undefined;
    if (params[name] === undefined) params[name] = value;
  }
  return params;
}

const isToken = (text: string, at: number): boolean => text.charCodeAt(at) < 256 && TOKEN[text.charCodeAt(at)] === 1;

/** `type/subtype` and its parameters, or `undefined` when the header is malformed. */
export function parseMediaType(text: string): MediaType | undefined {
  let i = 0;
  while (i < text.length && isToken(text, i)) i++;
  if (i === 0 || i === text.length || text[i] !== '/') return undefined;
  const subtypeStart = ++i;
  while (i < text.length && isToken(text, i)) i++;
  if (i === subtypeStart) return undefined;
  const params = i === text.length ? (Object.create(null) as Record<string, string>) : parseParams(text, i);
  if (params === undefined) return undefined;
  return { type: text.slice(0, i).toLowerCase(), params };
}

/** A `Content-Disposition` value: its type and parameters, names and values read as UTF-8. */
function parseDisposition(text: string): MediaType | undefined {
  if (text.length === 0) return undefined;
  let i = 0;
  while (i < text.length && isToken(text, i)) i++;
  const params =
    i === text.length
      ? (Object.create(null) as Record<string, string>)
      : parseParams(text, i, (value, charset) => {
          // Plain ASCII reads the same in UTF-8.
          if (charset === undefined && !/[^\x00-\x7f]/.test(value)) return value;
          try {
            return decoderFor(charset ?? 'utf-8').decode(latin1Bytes(value));
          } catch {
            return undefined;
          }
        });
  if (params === undefined) return undefined;
  return { type: text.slice(0, i).toLowerCase(), params };
}

/**
 * A parser for a token request's content type, which the caller checked is a form type. A header
 * that does not parse, or multipart without a boundary, is `ERR_FORM_MALFORMED`.
 */
export function createFormParser(contentType: string, maxFields: number, sink: FieldSink, wanted: Wanted = () => true): FormParser {
  const media = parseMediaType(contentType) ?? malformed();
  if (media.type === 'multipart/form-data') {
    const boundary = media.params.boundary ?? malformed();
    return new MultipartParser(boundary, maxFields, sink, wanted);
  }
  return new UrlencodedParser(decoderFor(media.params.charset), maxFields, sink, wanted);
}

const HEX_NONE = -2;
const HEX_FIRST = -1;

/** `application/x-www-form-urlencoded`, a byte at a time. */
class UrlencodedParser implements FormParser {
  private inKey = true;
  private readonly key = new Bytes();
  private readonly value = new Bytes();
  // Whether the value is kept: the name is known once its '=' came.
  private keep = true;
  private keyBytes = 0;
  private valueBytes = 0;
  private fields = 0;
  // HEX_NONE, HEX_FIRST (after '%'), or the first hex digit's value.
  private hex = HEX_NONE;

  constructor(
    private readonly decoder: Decoder,
    private readonly maxFields: number,
    private readonly sink: FieldSink,
    private readonly wanted: Wanted,
  ) {}

  write(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (this.hex !== HEX_NONE) {
        const digit = HEX[c] as number;
        if (digit === -1) malformed();
        if (this.hex === HEX_FIRST) {
          this.hex = digit;
          continue;
        }
        const byte = (this.hex << 4) + digit;
        this.hex = HEX_NONE;
        // As busboy counts: an escape that ends a chunk adds its byte but not to the count, which
        // decides whether a field with nothing else is one at all (and an over-long name).
        const counted = i + 1 < chunk.length ? 1 : 0;
        if (this.inKey) {
          this.key.push(byte);
          this.keyBytes += counted;
        } else {
          if (this.keep) this.value.push(byte);
          this.valueBytes += counted;
        }
        continue;
      }
      if (this.inKey) {
        // A name over the limit is only counted (and refused when it ends).
        if (this.keyBytes > MAX_NAME_BYTES && c !== 0x3d && c !== 0x26) {
          this.keyBytes++;
          continue;
        }
        if (c === 0x3d) {
          this.inKey = false;
          this.keep = this.keyBytes <= MAX_NAME_BYTES && this.wanted(text(this.decoder, this.key.view()));
        } else if (c === 0x26) this.next(this.keyBytes > 0);
        else if (c === 0x25) this.hex = HEX_FIRST;
        else {
          this.key.push(c === 0x2b ? 0x20 : c);
          this.keyBytes++;
        }
      } else if (c === 0x26) this.next(this.keyBytes > 0 || this.valueBytes > 0);
      else if (c === 0x25) this.hex = HEX_FIRST;
      else {
        if (this.keep) this.value.push(c === 0x2b ? 0x20 : c);
        this.valueBytes++;
      }
    }
  }

  end(): void {
    if (this.hex !== HEX_NONE) malformed();
    if (!this.inKey || this.keyBytes > 0 || this.valueBytes > 0) this.emit();
  }

  private emit(): void {
    const tooLong = this.keyBytes > MAX_NAME_BYTES;
    const name = tooLong ? '' : text(this.decoder, this.key.view());
    this.sink(name, this.keep && !tooLong && this.wanted(name) ? text(this.decoder, this.value.view()) : '', tooLong);
  }

  /** At '&': the field ends (if it had any bytes), and counts toward `maxFields` either way. */
  private next(hasField: boolean): void {
    if (hasField) this.emit();
    this.inKey = true;
    this.keep = true;
    this.key.clear();
    this.value.clear();
    this.keyBytes = 0;
    this.valueBytes = 0;
    if (++this.fields >= this.maxFields) throw new TokenRequestError('ERR_FORM_LIMIT');
  }
}

/** A part's header section, a byte at a time, as Node reads a request head (busboy's parser). */
class HeaderReader {
  private header: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  private pairs = 0;
  private bytes = 0;
  private state: 'name' | 'ows' | 'value' = 'name';
  private name = '';
  private value = '';
  private crlf = 0;

  /** Reads `chunk` from `pos` to `end`: where the header section ended and the header, or `end` for more. */
  push(chunk: Uint8Array, pos: number, end: number): { end: number; header?: Record<string, string[]> } {
    for (; pos < end; pos++) {
      if (this.bytes++ === MAX_HEADER_BYTES) malformed();
      const c = chunk[pos] as number;
      if (this.state === 'name') {
        if (TOKEN[c] === 1) this.name += String.fromCharCode(c);
        else if (c === 0x3a && this.name.length > 0) this.state = 'ows';
        else malformed();
      } else if (this.state === 'ows') {
        if (c !== 0x20 && c !== 0x09) {
          this.state = 'value';
          pos--;
        }
      } else if (this.crlf === 0) {
        if (FIELD_VCHAR[c] === 1) this.value += String.fromCharCode(c);
        else if (c === 0x0d) this.crlf = 1;
        else malformed();
      } else if (this.crlf === 1) {
        if (c !== 0x0a) malformed();
        this.crlf = 2;
      } else if (this.crlf === 2) {
        if (c === 0x20 || c === 0x09) {
          // An obsolete line folding: the value goes on.
          this.crlf = 0;
          pos--;
          continue;
        }
        if (++this.pairs < MAX_HEADER_PAIRS) (this.header[this.name.toLowerCase()] ??= []).push(this.value);
        if (c === 0x0d) this.crlf = 3;
        else {
          this.crlf = 0;
          this.state = 'name';
          this.name = '';
          this.value = '';
          pos--;
        }
      } else {
        if (c !== 0x0a) malformed();
        return { end: pos + 1, header: this.header };
      }
    }
    return { end };
  }
}

const DASH = new Uint8Array([0x2d]);
const CR = new Uint8Array([0x0d]);

/**
 * `multipart/form-data`: fields only, a file part refused. The body is cut at each delimiter first
 * (it is read as if it began with CRLF, so a delimiter may open it); what lies between two is a
 * delimiter's end (`--` closes the form, CRLF opens a part), a part's headers, then its content.
 */
class MultipartParser implements FormParser {
  private readonly delimiter: DelimiterSearch;
  private readonly delimiterLength: number;
  private buffer: Uint8Array = new Uint8Array([0x0d, 0x0a]);
  private headers: HeaderReader | undefined;
  private field: { name: string | undefined; charset: string | undefined; bytes: Bytes | undefined } | undefined;
  // After a delimiter: 1 at its end, 2 after '-', 3 after CR; 0 inside a part.
  private post = 0;
  private done = false;
  // Delimiters seen, less one: the parts so far.
  private parts = -1;
  private fields = 0;

  constructor(
    boundary: string,
    private readonly maxFields: number,
    private readonly sink: FieldSink,
    private readonly wanted: Wanted,
  ) {
    const delimiter = latin1Bytes(`\r\n--${boundary}`);
    this.delimiter = new DelimiterSearch(delimiter);
    this.delimiterLength = delimiter.length;
  }

  write(chunk: Uint8Array): void {
    if (this.done) return;
    let data = chunk;
    if (this.buffer.length > 0) {
      data = new Uint8Array(this.buffer.length + chunk.length);
      data.set(this.buffer);
      data.set(chunk, this.buffer.length);
    }
    let pos = 0;
    while (!this.done) {
      const found = this.delimiter.indexOf(data, pos);
      // Bytes that may begin a delimiter wait for the next chunk.
      const stop = found === -1 ? data.length - this.delimiter.partialAtEnd(data, pos) : found;
      const matched = this.between(data, pos, stop);
      if (found === -1) {
        pos = stop;
        break;
      }
      pos = found + this.delimiterLength;
      if (matched) this.atDelimiter();
    }
    this.buffer = this.done ? new Uint8Array() : data.slice(pos);
  }

  end(): void {
    // The bytes kept back in case they began a delimiter did not.
    this.between(this.buffer, 0, this.buffer.length);
    if (!this.done) malformed();
  }

  /** Bytes between delimiters; `false` when they close the form (the next delimiter then counts for nothing). */
  private between(data: Uint8Array, start: number, end: number): boolean {
    while (start < end && !this.done) {
      if (this.headers !== undefined) {
        const read = this.headers.push(data, start, end);
        start = read.end;
        if (read.header !== undefined) {
          this.headers = undefined;
          this.startPart(read.header);
        }
      }
      if (start === end) break;
      if (this.post !== 0) {
        if (this.post === 1) {
          const c = data[start] as number;
          this.post = c === 0x2d ? 2 : c === 0x0d ? 3 : 0;
          if (this.post !== 0) start++;
          if (start === end) return false;
        }
        if (this.post === 2) {
          this.post = 0;
          if (data[start] === 0x2d) {
            this.done = true;
            return false;
          }
          this.content(DASH, 0, 1);
        } else if (this.post === 3) {
          this.post = 0;
          if (data[start] === 0x0a) {
            start++;
            if (this.parts >= this.maxFields) break;
            this.headers = new HeaderReader();
            continue;
          }
          this.content(CR, 0, 1);
        }
      }
      this.content(data, start, end);
      break;
    }
    return !this.done;
  }

  private content(data: Uint8Array, start: number, end: number): void {
    this.field?.bytes?.append(data, start, end);
  }

  private startPart(header: Record<string, string[]>): void {
    const disposition = header['content-disposition']?.[0];
    const parsed = disposition === undefined ? undefined : parseDisposition(disposition);
    if (parsed === undefined || parsed.type !== 'form-data') return;
    const { params } = parsed;
    const filename = params['filename*'] ?? params.filename;
    let type = 'text/plain';
    let charset: string | undefined;
    const contentType = header['content-type']?.[0];
    const media = contentType === undefined ? undefined : parseMediaType(contentType);
    if (media !== undefined) {
      type = media.type;
      charset = media.params.charset?.toLowerCase();
    }
    if (type === 'application/octet-stream' || filename !== undefined) throw new TokenRequestError('ERR_FORM_FILE');
    if (this.fields === this.maxFields) throw new TokenRequestError('ERR_FORM_LIMIT');
    this.fields++;
    const name = params.name || undefined;
    this.field = { name, charset, bytes: this.wanted(name) ? new Bytes() : undefined };
  }

  private atDelimiter(): void {
    const field = this.field;
    this.field = undefined;
    this.post = 1;
    if (field !== undefined) this.sink(field.name, field.bytes === undefined ? '' : text(decoderFor(field.charset), field.bytes.view()), false);
    if (++this.parts === this.maxFields) throw new TokenRequestError('ERR_FORM_LIMIT');
  }
}

/**
 * Finds a delimiter in bytes (Boyer-Moore-Horspool: a long field is skipped a delimiter's length at a
 * time), and says how many bytes at the end may begin one.
 */
class DelimiterSearch {
  private readonly skip = new Int32Array(256);

  constructor(private readonly needle: Uint8Array) {
    const last = needle.length - 1;
    this.skip.fill(needle.length);
    for (let k = 0; k < last; k++) this.skip[needle[k] as number] = last - k;
  }

  /** The first index of the delimiter in `haystack` from `from`, or -1. */
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

  /** How many of the last bytes of `haystack` from `from` on are the start of a delimiter. */
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
