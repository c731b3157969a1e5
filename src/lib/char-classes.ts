// Byte classes of HTTP's grammar (RFC 9110) as 256-entry lookup tables, and hex digit values.

const table = (chars: string, extra: (code: number) => boolean = () => false): Uint8Array => {
  const t = new Uint8Array(256);
  for (let code = 0; code < 256; code++) t[code] = chars.includes(String.fromCharCode(code)) || extra(code) ? 1 : 0;
  return t;
};
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** RFC 9110 tchar. */
export const TOKEN = table(`!#$%&'*+-.^_\`|~${ALNUM}`);
/** quoted-string text: HTAB, SP and visible characters but '"' and '\', and obs-text. */
export const QDTEXT = table('\t', (c) => (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) || c >= 0x80);
/** RFC 5987 charset characters. */
export const CHARSET = table(`!#$%&+-^_\`{}~${ALNUM}`);
/** RFC 5987 value characters (attr-char). */
export const EXTENDED_VALUE = table(`!#$&+-.^_\`|~${ALNUM}`);
/** A header field value's characters: HTAB, SP, visible characters and obs-text. */
export const FIELD_VCHAR = table('\t', (c) => (c >= 0x20 && c <= 0x7e) || c >= 0x80);

/** Each byte's hex digit value, -1 for none. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX['0123456789abcdef'.charCodeAt(c)] = c;
  HEX['0123456789ABCDEF'.charCodeAt(c)] = c;
}
