// The token endpoint's form reader (src/grant/, Web APIs only) against busboy 1.6, which read the
// forms before it, on what a login sends: a urlencoded body and a browser's multipart FormData, in one
// chunk and in three; and a 60 KiB multipart body, the largest the default limits let through. Each
// reader gets the same limits and field handler, and a body is awaited chunk by chunk as the endpoint
// reads it. Rounds interleave the readers (their order turning each round), and the median round is
// reported, so the machine's drift touches them alike.
//
// `@remix-run/multipart-parser` (a Web-streams multipart parser) is measured too when it is installed
// (`npm install --no-save @remix-run/multipart-parser`); it reads multipart only.
//
// Run: `node --import tsx bench/form-reader.ts`; ratios in docs/benchmarks.md.
import busboy from 'busboy';
import { createFormParser } from '../src/grant/form-parser.js';

const ROUNDS = Number(process.env.ROUNDS ?? 21);
const BODIES = Number(process.env.BODIES ?? 2_000);
const MAX_FIELDS = 16;
const MAX_BYTES = 64 * 1024;
const PARAMETERS = new Set(['grant_type', 'username', 'password', 'scope', 'client_id', 'client_secret']);
const known = (name: string | undefined): boolean => name !== undefined && PARAMETERS.has(name);

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
const pieces = (bytes: Uint8Array, size: number): Uint8Array[] =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.slice(i * size, (i + 1) * size));

const login = { grant_type: 'password', username: 'johndoe', password: 'correct horse battery staple', scope: 'me items' };
const urlencoded = new TextEncoder().encode(new URLSearchParams(login).toString());
const [multipartType, multipartBody] = await multipart(login);
const [largeType, largeBody] = await multipart({ ...login, comment: 'x'.repeat(60 * 1024) });
const FORM = 'application/x-www-form-urlencoded';

interface Case {
  name: string;
  contentType: string;
  chunks: Uint8Array[];
  /** Bodies per round, relative to BODIES. */
  share: number;
}
const cases: Case[] = [
  { name: `urlencoded login (${urlencoded.length} B), one chunk`, contentType: FORM, chunks: [urlencoded], share: 1 },
  { name: 'urlencoded login, three chunks', contentType: FORM, chunks: thirds(urlencoded), share: 1 },
  { name: `multipart login (${multipartBody.length} B), one chunk`, contentType: multipartType, chunks: [multipartBody], share: 1 },
  { name: 'multipart login, three chunks', contentType: multipartType, chunks: thirds(multipartBody), share: 1 },
  { name: `multipart, 60 KiB unknown field (${largeBody.length} B), 16 KiB chunks`, contentType: largeType, chunks: pieces(largeBody, 16384), share: 0.1 },
];

/** A reader: the number of known parameters it found in the body. */
type Reader = (contentType: string, chunks: Uint8Array[]) => Promise<number>;

const formReader: Reader = async (contentType, chunks) => {
  let found = 0;
  const parser = createFormParser(
    contentType,
    MAX_FIELDS,
    (name, _value, nameTooLong) => {
      if (nameTooLong) throw new Error('limit');
      if (known(name)) found++;
    },
    known,
  );
  for (const chunk of chunks) {
    await null; // a chunk arrives
    parser.write(chunk);
  }
  parser.end();
  return found;
};

const busboyReader: Reader = (contentType, chunks) =>
  new Promise((resolve, reject) => {
    let found = 0;
    const parser = busboy({
      headers: { 'content-type': contentType },
      limits: { fieldNameSize: 100, fieldSize: MAX_BYTES, fields: MAX_FIELDS, parts: MAX_FIELDS, files: 0 },
      defParamCharset: 'utf8',
    });
    parser.on('field', (name, _value, info) => {
      if (info.nameTruncated || info.valueTruncated) reject(new Error('limit'));
      else if (known(name)) found++;
    });
    parser.on('error', reject);
    parser.on('close', () => resolve(found));
    void (async () => {
      for (const chunk of chunks) {
        await null;
        if (!parser.write(chunk)) await new Promise((resume) => parser.once('drain', resume));
      }
      parser.end();
    })();
  });

interface RemixPart {
  readonly isFile: boolean;
  readonly name: string | undefined;
  readonly text: string;
}
interface RemixParser {
  write(chunk: Uint8Array): Iterable<RemixPart>;
  finish(): void;
}
type RemixModule = { MultipartParser: new (boundary: string, options: object) => RemixParser };
const remix = await (import('@remix-run/multipart-parser' as string) as Promise<RemixModule>).catch(() => undefined);

const remixReader: Reader | undefined =
  remix &&
  (async (contentType, chunks) => {
    let found = 0;
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
    const parser = new remix.MultipartParser(boundary?.[1] ?? boundary?.[2] ?? '', {
      maxParts: MAX_FIELDS,
      maxFileSize: MAX_BYTES,
      maxTotalSize: MAX_BYTES,
    });
    for (const chunk of chunks) {
      await null;
      for (const part of parser.write(chunk)) {
        if (part.isFile) throw new Error('file');
        if (known(part.name)) {
          void part.text;
          found++;
        }
      }
    }
    parser.finish();
    return found;
  });

/** µs per body over `bodies` bodies. */
async function time(reader: Reader, { contentType, chunks }: Case, bodies: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < bodies; i++) await reader(contentType, chunks);
  return Number(process.hrtime.bigint() - start) / 1e3 / bodies;
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const readers: Array<[string, Reader]> = [
  ['form reader', formReader],
  ['busboy', busboyReader],
  ...(remixReader === undefined ? [] : [['remix', remixReader] as [string, Reader]]),
];

console.log(`Form reading, median µs per body over ${ROUNDS} interleaved rounds of ${BODIES} bodies (the 60 KiB case a tenth)`);
console.log(remixReader === undefined ? '(@remix-run/multipart-parser not installed: not measured)' : '(remix: @remix-run/multipart-parser, multipart only)');
const header = readers.map(([name]) => name);
const ratios = readers.filter(([name]) => name !== 'busboy').map(([name]) => `${name} / busboy`);
console.log(`| case | ${[...header, ...ratios].join(' | ')} |`);
console.log(`| --- | ${[...header, ...ratios].map(() => '---').join(' | ')} |`);
for (const item of cases) {
  const contenders = readers.filter(([name]) => name !== 'remix' || item.contentType !== FORM);
  const counts = await Promise.all(contenders.map(([, reader]) => reader(item.contentType, item.chunks)));
  if (new Set(counts).size !== 1) throw new Error(`the readers disagree on ${item.name}: ${counts.join(', ')}`);
  const bodies = Math.max(1, Math.round(BODIES * item.share));
  for (const [, reader] of contenders) await time(reader, item, bodies); // warm-up
  const samples = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const [name, reader] = contenders[(round + k) % contenders.length]!;
      samples.get(name)!.push(await time(reader, item, bodies));
    }
  }
  const medians = new Map([...samples].map(([name, values]) => [name, median(values)]));
  const base = medians.get('busboy')!;
  const cells = readers.map(([name]) => (medians.has(name) ? medians.get(name)!.toFixed(1) : '–'));
  const ratioCells = readers
    .filter(([name]) => name !== 'busboy')
    .map(([name]) => (medians.has(name) ? (medians.get(name)! / base).toFixed(2) : '–'));
  console.log(`| ${item.name} | ${[...cells, ...ratioCells].join(' | ')} |`);
}
