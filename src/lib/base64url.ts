/** Bytes as base64url without padding (RFC 4648 §5), with Web APIs only. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The 6-bit value of each ASCII character in base64url; 64 for one outside the alphabet. */
const VALUES = new Uint8Array(128).fill(64);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

const valueAt = (text: string, i: number): number => {
  const code = text.charCodeAt(i);
  return code < 128 ? (VALUES[code] as number) : 64;
};

/**
 * Whether base64url text `text[start, end)`, of alphabet characters only, is in the one spelling its
 * bytes encode to: no impossible length, no stray bits in the last character (RFC 4648 §3.5). Such a
 * text cannot be re-spelled and decode to the same bytes.
 */
export function hasCanonicalEnd(text: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  return (valueAt(text, end - 1) & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** How many bytes `length` characters of base64url without padding encode. */
export const decodedLength = (length: number): number => (length * 3) >> 2;

/** The bytes of canonical base64url text `text[start, end)`. */
export function decodeBase64url(text: string, start: number, end: number): Uint8Array {
  return decodeBase64urlInto(text, start, end, new Uint8Array(decodedLength(end - start)));
}

/** {@link decodeBase64url} into `bytes`, which is {@link decodedLength} bytes long. */
export function decodeBase64urlInto(text: string, start: number, end: number, bytes: Uint8Array): Uint8Array {
  let at = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const n = (valueAt(text, i) << 18) | (valueAt(text, i + 1) << 12) | (valueAt(text, i + 2) << 6) | valueAt(text, i + 3);
    bytes[at++] = n >> 16;
    bytes[at++] = (n >> 8) & 0xff;
    bytes[at++] = n & 0xff;
  }
  if (end - i >= 2) {
    const n = (valueAt(text, i) << 18) | (valueAt(text, i + 1) << 12) | (end - i === 3 ? valueAt(text, i + 2) << 6 : 0);
    bytes[at++] = n >> 16;
    if (end - i === 3) bytes[at] = (n >> 8) & 0xff;
  }
  return bytes;
}

/**
 * The bytes of canonical base64url text `text[start, end)` as a binary string, one character a byte
 * (what `atob` returns).
 */
export function decodeBase64urlBinary(text: string, start: number, end: number): string {
  const segment = text.slice(start, end);
  return atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
}
