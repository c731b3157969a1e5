// The form reader against busboy 1.6, which read the token endpoint's forms before it: the same
// fields, the same refusal, on well-formed and broken urlencoded and multipart bodies cut into chunks
// anywhere.
import busboy from 'busboy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors/auth-error.js';
import { createFormParser } from '../src/grant/form-parser.js';

type Outcome = { fields: Array<[string | undefined, string]> } | { code: string };
const MAX_FIELDS = 6;

/** busboy as the token endpoint drove it before the form reader: names over 100 bytes, fields and parts limits, no files. */
function viaBusboy(contentType: string, chunks: Uint8Array[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const fields: Array<[string | undefined, string]> = [];
    let settled = false;
    const stop = (code: string) => {
      if (!settled) resolve({ code });
      settled = true;
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fieldNameSize: 100, fieldSize: 1 << 20, fields: MAX_FIELDS, parts: MAX_FIELDS, files: 0 },
        defParamCharset: 'utf8',
      });
    } catch {
      stop('ERR_FORM_MALFORMED');
      return;
    }
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) stop('ERR_FORM_LIMIT');
      else fields.push([name, value]);
    });
    parser.on('file', (_name, stream) => {
      stream.resume();
      stop('ERR_FORM_FILE');
    });
    parser.on('filesLimit', () => stop('ERR_FORM_FILE'));
    parser.on('fieldsLimit', () => stop('ERR_FORM_LIMIT'));
    parser.on('partsLimit', () => stop('ERR_FORM_LIMIT'));
    parser.on('error', () => stop('ERR_FORM_MALFORMED'));
    parser.on('close', () => {
      if (!settled) resolve({ fields });
      settled = true;
    });
    for (const chunk of chunks) {
      if (settled) return;
      parser.write(chunk);
    }
    if (!settled) parser.end();
  });
}

/** The reader, keeping the values of the fields `wanted` says (all by default). */
function viaReader(contentType: string, chunks: Uint8Array[], wanted?: (name: string | undefined) => boolean): Outcome {
  const fields: Array<[string | undefined, string]> = [];
  try {
    const parser = createFormParser(
      contentType,
      MAX_FIELDS,
      (name, value, nameTooLong) => {
        if (nameTooLong) throw new AuthError('ERR_FORM_LIMIT');
        fields.push([name, value]);
      },
      wanted,
    );
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
    return { fields };
  } catch (err) {
    if (err instanceof AuthError) return { code: err.code };
    throw err;
  }
}

/** The reader's outcome and busboy's agree, and so they do when the reader keeps the values of known names only. */
async function expectSame(contentType: string, chunks: Uint8Array[]): Promise<void> {
  const expected = await viaBusboy(contentType, chunks);
  expect(viaReader(contentType, chunks)).toEqual(expected);
  const known = (name: string | undefined) => name === 'username' || name === 'password';
  const blanked = 'fields' in expected ? { fields: expected.fields.map(([n, v]): [string | undefined, string] => [n, known(n) ? v : '']) } : expected;
  expect(viaReader(contentType, chunks, known)).toEqual(blanked);
}

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
/** `data` cut at the given points. */
function cut(data: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let last = 0;
  for (const p of [...at, data.length]) {
    if (p > last) chunks.push(data.slice(last, p));
    last = Math.max(last, p);
  }
  return chunks;
}

const name = fc.oneof(fc.constantFrom('username', 'password', 'scope', '', 'x'.repeat(101), 'n\u00e9', 'a"b', 'a\\b'), fc.string({ maxLength: 8 }));
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('secret', '\r\n--B', '--B--', '\u00e9\u{1F600}', '%', '+'));

describe('the form reader reads as busboy did', () => {
  it('urlencoded: ASCII text, percent-escapes (broken ones too), + and separators', async () => {
    const unit = fc.oneof(fc.constantFrom('=', '&', '+', '%', '%4', '%zz', '%41', '%C3%A9', '%FF', 'username', 'password', 'x'.repeat(60)), fc.string({ unit: 'grapheme-ascii', maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(fc.array(unit, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 4 }), fc.constantFrom('', '; charset=utf-8', '; charset=UTF-8'), async (units, points, params) => {
        const type = `application/x-www-form-urlencoded${params}`;
        await expectSame(type, cut(bytes(units.join('')), points));
      }),
      { numRuns: 600 },
    );
  });

  it('multipart: well-formed and broken parts, headers and delimiters', async () => {
    const disposition = fc.oneof(
      name.map((n) => `form-data; name="${n.replace(/["\\\r\n]/g, '')}"`),
      fc.constantFrom('form-data', 'form-data; name=username', 'form-data; name="password"; filename="p.txt"', "form-data; name*=utf-8''na%C3%AFve", 'attachment; name="username"', 'form-data; name="a', 'form-data;', ''),
    );
    const header = fc.oneof(
      disposition.map((d) => `Content-Disposition: ${d}\r\n`),
      fc.constantFrom('Content-Type: text/plain; charset=utf-8\r\n', 'Content-Type: application/octet-stream\r\n', 'X-A: b\r\n c\r\n', 'Bad Header\r\n', 'Content-Dispositio\u0000n: form-data\r\n', ''),
    );
    const part = fc.tuple(fc.array(header, { minLength: 0, maxLength: 3 }), value).map(([headers, v]) => `--B\r\n${headers.join('')}\r\n${v}\r\n`);
    const body = fc.tuple(
      fc.constantFrom('', 'preamble\r\n', '\r\n'),
      fc.array(part, { maxLength: 8 }),
      fc.constantFrom('--B--\r\n', '--B--', '--B--epilogue', '', '--B', '--B-x\r\n--B--', '--B \r\n--B--'),
    ).map(([pre, parts, close]) => pre + parts.join('') + close);
    const type = fc.constantFrom('multipart/form-data; boundary=B', 'multipart/form-data; boundary="B"', 'multipart/form-data;boundary=B ', 'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="B');
    await fc.assert(
      fc.asyncProperty(body, type, fc.array(fc.nat(), { maxLength: 5 }), async (text, contentType, points) => {
        const data = new TextEncoder().encode(text);
        await expectSame(contentType, cut(data, points));
      }),
      { numRuns: 1500 },
    );
  });
});
