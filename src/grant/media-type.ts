// Header values with parameters, as the form reader reads them: a `Content-Type` (`type/subtype;
// name=value`) and a multipart part's `Content-Disposition`, whose parameters may be quoted or, for
// the disposition, RFC 5987 extended (`name*=utf-8''...`). Read as busboy 1.6 read them.
import { decoderFor, latin1Bytes } from '../lib/bytes.js';
import { CHARSET, EXTENDED_VALUE, HEX, QDTEXT, TOKEN } from '../lib/char-classes.js';

/** A header value's type and its parameters, the first of each name (lower-cased). */
export interface MediaType {
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
export function parseDisposition(text: string): MediaType | undefined {
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
