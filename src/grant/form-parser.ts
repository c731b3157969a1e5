/**
 * The token endpoint's form reader: `application/x-www-form-urlencoded` and `multipart/form-data`
 * (fields only) over plain bytes fed chunk by chunk, with Web APIs only (no `node:stream`, no
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
import { TokenRequestError } from '../errors/auth-error.js';
import { decoderFor } from '../lib/bytes.js';
import { parseMediaType } from './media-type.js';
import { MultipartParser } from './multipart.js';
import { UrlencodedParser } from './urlencoded.js';

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

/**
 * A parser for a token request's content type, which the caller checked is a form type. A header
 * that does not parse, or multipart without a boundary, is `ERR_FORM_MALFORMED`.
 */
export function createFormParser(contentType: string, maxFields: number, sink: FieldSink, wanted: Wanted = () => true): FormParser {
  const media = parseMediaType(contentType);
  if (media === undefined) throw new TokenRequestError('ERR_FORM_MALFORMED');
  if (media.type === 'multipart/form-data') {
    const boundary = media.params.boundary;
    if (boundary === undefined) throw new TokenRequestError('ERR_FORM_MALFORMED');
    return new MultipartParser(boundary, maxFields, sink, wanted);
  }
  return new UrlencodedParser(decoderFor(media.params.charset), maxFields, sink, wanted);
}
