// `multipart/form-data`, fields only, as busboy 1.6 read it: the body cut at each delimiter first,
// part headers read as Node reads a request head, a file part refused, `maxFields` parts at most.
import { TokenRequestError } from '../errors/auth-error.js';
import { Bytes, decoderFor, latin1Bytes } from '../lib/bytes.js';
import { DelimiterSearch } from '../lib/delimiter-search.js';
import type { FieldSink, FormParser, Wanted } from './form-parser.js';
import { parseDisposition, parseMediaType } from './media-type.js';
import { HeaderReader, type PartHeader } from './part-headers.js';

const malformed = (): never => {
  throw new TokenRequestError('ERR_FORM_MALFORMED');
};

const DASH = new Uint8Array([0x2d]);
const CR = new Uint8Array([0x0d]);

/**
 * `multipart/form-data`: fields only, a file part refused. The body is cut at each delimiter first
 * (it is read as if it began with CRLF, so a delimiter may open it); what lies between two is a
 * delimiter's end (`--` closes the form, CRLF opens a part), a part's headers, then its content.
 */
export class MultipartParser implements FormParser {
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

  private startPart(header: PartHeader): void {
    const { disposition, contentType } = header;
    const parsed = disposition === undefined ? undefined : parseDisposition(disposition);
    if (parsed === undefined || parsed.type !== 'form-data') return;
    const { params } = parsed;
    const filename = params['filename*'] ?? params.filename;
    let type = 'text/plain';
    let charset: string | undefined;
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
    if (field !== undefined) this.sink(field.name, field.bytes === undefined ? '' : field.bytes.text(decoderFor(field.charset)), false);
    if (++this.parts === this.maxFields) throw new TokenRequestError('ERR_FORM_LIMIT');
  }
}
