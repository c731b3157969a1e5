// The token endpoint's form reader (src/form-reader.ts, Web APIs only) against busboy, which read the
// forms before it, on what a login sends: a urlencoded body and a browser's multipart FormData, in one
// chunk and in three; and a 60 KiB multipart body, the largest the default limits let through. Both
// readers get the same limits and the same field handler, and a body is awaited chunk by chunk as the
// endpoint reads it. Run: `node --import tsx bench/form-reader.ts`; ratios in docs/runtimes-notes.txt.
import busboy from 'busboy';
import { createFormParser } from '../src/form-reader.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 20_000);
const MAX_FIELDS = 16;
const PARAMETERS = new Set(['grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret']);

async function multipart(fields: Record<string, string>): Promise<[string, Uint8Array]> {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  const request = new Request('http://localhost/token', { method: 'POST', body: data });
  return [request.headers.get('content-type')!, new Uint8Array(await request.arrayBuffer())];
}
const thirds = (bytes: Uint8Array): Uint8Array[] => {
  const a = Math.floor(bytes.length / 3);
  return [bytes.slice(0, a), bytes.slice(a, 2 * a), bytes.slice(2 * a)];
};

const login = { grant_type: 'password', username: 'johndoe', password: 'correct horse battery staple', scope: 'me items' };
const urlencoded = new TextEncoder().encode(new URLSearchParams(login).toString());
const [multipartType, multipartBody] = await multipart(login);
const [largeType, largeBody] = await multipart({ ...login, comment: 'x'.repeat(60 * 1024) });
const FORM = 'application/x-www-form-urlencoded';

const cases: Array<[string, string, Uint8Array[]]> = [
  [`urlencoded login (${urlencoded.length} B), one chunk`, FORM, [urlencoded]],
  ['urlencoded login, three chunks', FORM, thirds(urlencoded)],
  [`multipart login (${multipartBody.length} B), one chunk`, multipartType, [multipartBody]],
  ['multipart login, three chunks', multipartType, thirds(multipartBody)],
  [`multipart with a 60 KiB unknown field (${largeBody.length} B), 16 KiB chunks`, largeType, Array.from({ length: Math.ceil(largeBody.length / 16384) }, (_, i) => largeBody.slice(i * 16384, (i + 1) * 16384))],
];

async function viaReader(contentType: string, chunks: Uint8Array[]): Promise<number> {
  let known = 0;
  const parser = createFormParser(contentType, MAX_FIELDS, (name, _value, nameTooLong) => {
    if (nameTooLong) throw new Error('limit');
    if (name !== undefined && PARAMETERS.has(name)) known++;
  }, (name) => name !== undefined && PARAMETERS.has(name));
  for (const chunk of chunks) {
    await null; // a chunk arrives
    parser.write(chunk);
  }
  parser.end();
  return known;
}

function viaBusboy(contentType: string, chunks: Uint8Array[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let known = 0;
    const parser = busboy({
      headers: { 'content-type': contentType },
      limits: { fieldNameSize: 100, fieldSize: 64 * 1024, fields: MAX_FIELDS, parts: MAX_FIELDS, files: 0 },
      defParamCharset: 'utf8',
    });
    parser.on('field', (name, _value, info) => {
      if (info.nameTruncated || info.valueTruncated) reject(new Error('limit'));
      else if (PARAMETERS.has(name)) known++;
    });
    parser.on('error', reject);
    parser.on('close', () => resolve(known));
    void (async () => {
      for (const chunk of chunks) {
        await null;
        if (!parser.write(chunk)) await new Promise((resume) => parser.once('drain', resume));
      }
      parser.end();
    })();
  });
}

async function time(run: () => Promise<number>, iterations: number): Promise<number> {
  for (let i = 0; i < Math.min(2_000, iterations); i++) await run(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run();
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
}

console.log(`Form reading, µs per body (${ITERATIONS} bodies per case; the 60 KiB case a tenth of that)`);
console.log('| case | form-reader | busboy | form-reader / busboy |');
console.log('| --- | --- | --- | --- |');
for (const [name, contentType, chunks] of cases) {
  const n = chunks.length > 3 ? ITERATIONS / 10 : ITERATIONS;
  if ((await viaReader(contentType, chunks)) !== (await viaBusboy(contentType, chunks))) throw new Error(`the readers disagree on ${name}`);
  const reader = await time(() => viaReader(contentType, chunks), n);
  const bb = await time(() => viaBusboy(contentType, chunks), n);
  console.log(`| ${name} | ${reader.toFixed(2)} | ${bb.toFixed(2)} | ${(reader / bb).toFixed(2)} |`);
}
