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

/** A part's header section, a byte at a time, as Node reads a request head (busboy's parser). */
export class HeaderReader {
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
