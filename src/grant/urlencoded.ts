// `application/x-www-form-urlencoded`, a byte at a time, as busboy 1.6 read it: '+' and %XX decoded
// (a broken escape is malformed), names over 100 bytes flagged, every '&' counted toward `maxFields`.
import { TokenRequestError } from '../errors/auth-error.js';
import { Bytes, type Decoder } from '../lib/bytes.js';
import { HEX } from '../lib/char-classes.js';
import type { FieldSink, FormParser, Wanted } from './form-parser.js';

/** Most bytes of a urlencoded field name (busboy's `fieldNameSize`). */
export const MAX_NAME_BYTES = 100;

const malformed = (): never => {
  throw new TokenRequestError('ERR_FORM_MALFORMED');
};

// Value bytes that are only copied: all but '&', '%' and '+'.
const PLAIN = new Uint8Array(256).fill(1);
PLAIN[0x26] = PLAIN[0x25] = PLAIN[0x2b] = 0;

const HEX_NONE = -2;
const HEX_FIRST = -1;

/** `application/x-www-form-urlencoded`, a byte at a time. */
export class UrlencodedParser implements FormParser {
  private inKey = true;
  private readonly key = new Bytes();
  private readonly value = new Bytes();
  // Whether the value is kept: the name is known once its '=' came.
  private keep = true;
  // The name, decoded at its '=' (undefined before).
  private name: string | undefined;
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
          if (this.keyBytes <= MAX_NAME_BYTES) this.name = this.key.text(this.decoder);
          this.keep = this.name !== undefined && this.wanted(this.name);
        } else if (c === 0x26) this.next(this.keyBytes > 0);
        else if (c === 0x25) this.hex = HEX_FIRST;
        else {
          this.key.push(c === 0x2b ? 0x20 : c);
          this.keyBytes++;
        }
      } else if (c === 0x26) this.next(this.keyBytes > 0 || this.valueBytes > 0);
      else if (c === 0x25) this.hex = HEX_FIRST;
      else if (c === 0x2b) {
        if (this.keep) this.value.push(0x20);
        this.valueBytes++;
      } else {
        // A run of plain value bytes at once.
        let j = i + 1;
        while (j < chunk.length && PLAIN[chunk[j] as number] === 1) j++;
        if (this.keep) this.value.append(chunk, i, j);
        this.valueBytes += j - i;
        i = j - 1;
      }
    }
  }

  end(): void {
    if (this.hex !== HEX_NONE) malformed();
    if (!this.inKey || this.keyBytes > 0 || this.valueBytes > 0) this.emit();
  }

  private emit(): void {
    const tooLong = this.keyBytes > MAX_NAME_BYTES;
    if (tooLong) return this.sink('', '', true);
    // A name without '=' is read now; its (empty) value is wanted or not alike.
    const name = this.name ?? this.key.text(this.decoder);
    this.sink(name, this.keep && this.name !== undefined ? this.value.text(this.decoder) : '', false);
  }

  /** At '&': the field ends (if it had any bytes), and counts toward `maxFields` either way. */
  private next(hasField: boolean): void {
    if (hasField) this.emit();
    this.inKey = true;
    this.keep = true;
    this.name = undefined;
    this.key.clear();
    this.value.clear();
    this.keyBytes = 0;
    this.valueBytes = 0;
    if (++this.fields >= this.maxFields) throw new TokenRequestError('ERR_FORM_LIMIT');
  }
}
