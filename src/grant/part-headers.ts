// A multipart part's header section, a byte at a time, as Node reads a request head (which busboy
// 1.6 applies to each part): 16 KiB and 2000 header lines at most, obsolete line folding allowed.
import { TokenRequestError } from '../errors/auth-error.js';
import { FIELD_VCHAR, TOKEN } from '../lib/char-classes.js';

// Node's limits on a header section.
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_HEADER_PAIRS = 2000;

const malformed = (): never => {
  throw new TokenRequestError('ERR_FORM_MALFORMED');
};

/** The headers of a part the form reader reads: the first value of each. */
export interface PartHeader {
  disposition: string | undefined;
  contentType: string | undefined;
}

const NAME = 0;
const OWS = 1;
const VALUE = 2;

/** Latin-1 text of `bytes[start, end)` (at most a header section: 16 KiB). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 256) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}

/**
 * A part's header section, a byte at a time, as Node reads a request head (busboy's parser), keeping
 * the headers the form reader needs. Names and values are taken as runs of bytes, not a character at a
 * time.
 */
export class HeaderReader {
  private readonly header: PartHeader = { disposition: undefined, contentType: undefined };
  private pairs = 0;
  private bytes = 0;
  private state = NAME;
  private name = '';
  private value = '';
  private crlf = 0;

  /** Reads `chunk` from `pos` to `end`: where the header section ended and the header, or `end` for more. */
  push(chunk: Uint8Array, pos: number, end: number): { end: number; header?: PartHeader } {
    // Where the name or value being read began in this chunk.
    let run = pos;
    for (; pos < end; pos++) {
      if (this.bytes++ === MAX_HEADER_BYTES) malformed();
      const c = chunk[pos] as number;
      if (this.state === NAME) {
        if (TOKEN[c] === 1) continue;
        if (c !== 0x3a || (this.name.length === 0 && pos === run)) malformed();
        this.name += latin1(chunk, run, pos);
        this.state = OWS;
      } else if (this.state === OWS) {
        if (c !== 0x20 && c !== 0x09) {
          this.state = VALUE;
          run = pos--;
        }
      } else if (this.crlf === 0) {
        if (FIELD_VCHAR[c] === 1) continue;
        if (c !== 0x0d) malformed();
        this.value += latin1(chunk, run, pos);
        this.crlf = 1;
      } else if (this.crlf === 1) {
        if (c !== 0x0a) malformed();
        this.crlf = 2;
      } else if (this.crlf === 2) {
        if (c === 0x20 || c === 0x09) {
          // An obsolete line folding: the value goes on.
          this.crlf = 0;
          run = pos--;
          continue;
        }
        if (++this.pairs < MAX_HEADER_PAIRS) this.keep();
        if (c === 0x0d) this.crlf = 3;
        else {
          this.crlf = 0;
          this.state = NAME;
          this.name = '';
          this.value = '';
          run = pos--;
        }
      } else {
        if (c !== 0x0a) malformed();
        return { end: pos + 1, header: this.header };
      }
    }
    if (this.state === NAME) this.name += latin1(chunk, run, end);
    else if (this.state === VALUE && this.crlf === 0) this.value += latin1(chunk, run, end);
    return { end };
  }

  /** Keeps the first value of each header the form reads. */
  private keep(): void {
    const { name, header } = this;
    // Only names of the right length are lower-cased and compared.
    if (name.length === 19 && header.disposition === undefined && name.toLowerCase() === 'content-disposition') header.disposition = this.value;
    else if (name.length === 12 && header.contentType === undefined && name.toLowerCase() === 'content-type') header.contentType = this.value;
  }
}
