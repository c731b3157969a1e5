/**
 * Quotes a value as an RFC 9110 §5.6.4 `quoted-string`.

 */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
