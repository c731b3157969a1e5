// Every code block of README.md and docs/*.md (not docs/api/, which typedoc writes) is checked, so
// the documentation cannot drift from the code:
//
// - ```ts / ```typescript blocks are type-checked for real with the TypeScript compiler API, against
//   the sources (`gatepass`, `gatepass/password`, `gatepass/<adapter>` resolve to src/ and adapters/
//   through tsconfig.json's `paths`), with tsconfig.json's strict flags, NodeNext modules and
//   `types: ['node']`; only `noUnusedLocals` is off, so a snippet may show a name without using it.
//   Each block is its own module. The blocks of one document are checked together, as the files of
//   one app, in a directory inside the repository (test/.docs-blocks/…, in memory), so that
//   node_modules resolves as it does for any file.
// - ```js / ```javascript blocks are type-checked the same way, as JavaScript (`checkJs`, same strict
//   flags), so a CommonJS `require()` of gatepass is checked against the sources too. A JavaScript
//   block names a `.cjs` (CommonJS) or `.js` file; it cannot be run or continued.
// - ```json blocks must parse.
// - ```sh / ```bash blocks are NOT run: they are shell commands for the reader. The only ones used
//   are curl transcripts marked `<!-- curl -->`, which are replayed with fetch (see below).
// - Any other language, or a fence without one, fails the test: add it to LANGUAGES with what is
//   done with it.
//
// Markers: HTML comments on the lines right above a fence (invisible on GitHub) say how a block fits:
//
//   <!-- file: auth.ts -->  the block is the module `auth.ts` of its document; other blocks of the same
//                           document import it as `./auth.js`. Without it a block is `block-<line>.ts`.
//   <!-- continues -->      the block continues the previous TypeScript block of the same document:
//                           both (and any further continuations) are concatenated and checked as one
//                           module. This is how a guide builds one file step by step. A fragment
//                           never relies on code the reader cannot see, and nothing is skipped.
//   <!-- run -->            the module this block belongs to is an app the test starts, as a user
//                           would: `node --import tsx` in a child process, with GATEPASS_SECRET set
//                           and, preloaded, test/support/docs/listen-on-free-port.ts, which moves its
//                           listen() to a free port of 127.0.0.1 (the only change made to the app).
//   <!-- curl -->           (on a sh block) the block is a curl transcript (see test/support/docs/curl.ts)
//                           replayed with fetch against the app the same document runs: every status,
//                           header and body it shows must be what the app answers.
//   <!-- json: name -->     (on a json block) the JSON must equal what OUTPUTS[name] computes.
//
// Besides the blocks: the error tables of docs/errors.md (marked `<!-- error-table: BearerError -->` or
// `TokenRequestError`) are checked row by row against the error classes, every `AuthErrorCode` of
// src/errors/codes.ts (read from the source at test time) must have a row, and relative links must point at
// files that exist.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, BearerError, TokenRequestError, openApiSecurity, type AuthErrorOptions } from '../src/index.js';
import { parseTranscript, replay } from './support/docs/curl.js';
import { codeBlocks, relativeLinks, tables, type CodeBlock, type Table } from './support/docs/markdown.js';
import { createChecker } from './support/docs/typecheck.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What happens to each language. Anything not listed fails. */
const LANGUAGES: Record<string, string> = {
  ts: 'type-checked',
  typescript: 'type-checked',
  js: 'type-checked as JavaScript',
  javascript: 'type-checked as JavaScript',
  json: 'parsed',
  sh: 'not run (shell commands; `<!-- curl -->` transcripts are replayed with fetch)',
  bash: 'not run (shell commands; `<!-- curl -->` transcripts are replayed with fetch)',
};
/** The markers each kind of block may carry. */
const MARKERS: Record<string, readonly string[]> = {
  ts: ['file', 'continues', 'run'],
  typescript: ['file', 'continues', 'run'],
  js: ['file'],
  javascript: ['file'],
  json: ['json'],
  sh: ['curl'],
  bash: ['curl'],
};
/** The JSON a `<!-- json: name -->` block must show. */
const OUTPUTS: Record<string, () => unknown> = {
  'openapi-security-schemes': () =>
    openApiSecurity({
      tokenUrl: 'token',
      scopes: { me: 'Read information about the current user.', items: 'Read items.' },
    }).securitySchemes,
};

const DOCS = ['README.md', ...readdirSync(join(root, 'docs'), { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
  .map((entry) => `docs/${entry.name}`)
  .sort()];
const documents = DOCS.map((doc) => {
  const text = readFileSync(join(root, doc), 'utf8');
  return { doc, text, blocks: codeBlocks(doc, text) };
});
const isTs = (block: CodeBlock): boolean => block.lang === 'ts' || block.lang === 'typescript';
const isJs = (block: CodeBlock): boolean => block.lang === 'js' || block.lang === 'javascript';
const marker = (block: CodeBlock, name: string): string | undefined => block.markers.find((m) => m.name === name)?.value;

// Each run gets its own directory, so that two runs of the suite at once do not share files.
const blocksRoot = join(root, 'test', '.docs-blocks');
const workDir = join(blocksRoot, `${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
const slug = (doc: string): string => doc.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();

/** A module made of one block and its continuations. */
interface Chain {
  doc: string;
  name: string;
  path: string;
  blocks: CodeBlock[];
  run: boolean;
}

function chainsOf(doc: string, blocks: readonly CodeBlock[]): Chain[] {
  const chains: Chain[] = [];
  for (const block of blocks.filter((b) => isTs(b) || isJs(b))) {
    const continues = marker(block, 'continues') !== undefined;
    let chain = chains.at(-1);
    if (continues) {
      if (chain === undefined) throw new Error(`${doc}:${block.line}: <!-- continues --> with no TypeScript block before it`);
      if (marker(block, 'file') !== undefined) throw new Error(`${doc}:${block.line}: a continuation cannot name a file`);
      if (isJs(block) || isJs(chain.blocks[0]!)) throw new Error(`${doc}:${block.line}: JavaScript blocks are not continued`);
      chain.blocks.push(block);
    } else {
      const name = marker(block, 'file') ?? `block-${block.line}.${isJs(block) ? 'js' : 'ts'}`;
      if (isJs(block) ? !/^[a-z0-9-]+\.c?js$/.test(name) : !/^[a-z0-9-]+\.ts$/.test(name)) {
        throw new Error(`${doc}:${block.line}: file names are lowercase .ts names (.js or .cjs for JavaScript), not ${name}`);
      }
      if (chains.some((other) => other.name === name)) throw new Error(`${doc}:${block.line}: a second ${name}`);
      chain = { doc, name, path: join(workDir, slug(doc), name), blocks: [block], run: false };
      chains.push(chain);
    }
    if (marker(block, 'run') !== undefined) chain.run = true;
  }
  return chains;
}

const textOf = (chain: Chain): string => chain.blocks.map((block) => block.code).join('\n');

/** The document line of a 0-based line of a chain's text. */
function docLine(chain: Chain, line: number): number {
  let rest = line;
  for (const block of chain.blocks) {
    const count = block.code.split('\n').length; // the code ends with '\n'; the join adds one more line
    if (rest < count) return block.line + 1 + rest;
    rest -= count;
  }
  return chain.blocks.at(-1)?.line ?? 0;
}

const chains = new Map(documents.map(({ doc, blocks }) => [doc, chainsOf(doc, blocks)]));

// ---- Apps the documents run: started first, so that they boot while the type-checks run. ----

interface RunningApp {
  child: ChildProcess;
  base: Promise<string>;
  output: string[];
}
const apps = new Map<string, RunningApp>();

function start(doc: string): RunningApp {
  const docChains = chains.get(doc) ?? [];
  const runnable = docChains.filter((chain) => chain.run);
  if (runnable.length !== 1) throw new Error(`${doc}: ${runnable.length} modules marked <!-- run -->, expected one`);
  for (const chain of docChains) {
    mkdirSync(dirname(chain.path), { recursive: true });
    writeFileSync(chain.path, textOf(chain));
  }
  const output: string[] = [];
  const child = fork(runnable[0]!.path, [], {
    cwd: root,
    execArgv: ['--import', 'tsx', '--import', join(root, 'test', 'support', 'docs', 'listen-on-free-port.ts')],
    env: { ...process.env, GATEPASS_SECRET: 'docs-test-secret-that-is-at-least-32-bytes-long', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  const base = new Promise<string>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${doc}: the app did not listen within 90 s\n${output.join('')}`)), 90_000);
    child.on('message', (message: { listening?: number }) => {
      if (typeof message.listening !== 'number') return;
      clearTimeout(timer);
      resolvePort(`http://127.0.0.1:${message.listening}`);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${doc}: the app exited (${code}) before listening\n${output.join('')}`));
    });
  });
  base.catch(() => {});
  return { child, base, output };
}

beforeAll(() => {
  for (const { doc, blocks } of documents) {
    if (blocks.some((block) => marker(block, 'curl') !== undefined)) apps.set(doc, start(doc));
  }
});

afterAll(async () => {
  await Promise.all(
    [...apps.values()].map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(workDir, { recursive: true, force: true });
  try {
    if (readdirSync(blocksRoot).length === 0) rmSync(blocksRoot, { recursive: true });
  } catch {
    // Another run still has its directory there, or it is gone already.
  }
});

// ---- The blocks. ----

describe('every code block', () => {
  it('is in a language the test knows what to do with, with markers that fit it', () => {
    const problems: string[] = [];
    for (const { doc, blocks } of documents) {
      for (const block of blocks) {
        const where = `${doc}:${block.line}`;
        if (!Object.hasOwn(LANGUAGES, block.lang)) {
          problems.push(`${where}: \`\`\`${block.lang || '(no language)'} is neither checked nor listed as not run`);
          continue;
        }
        for (const { name } of block.markers) {
          if (!(MARKERS[block.lang] ?? []).includes(name)) problems.push(`${where}: <!-- ${name} --> does not apply to a ${block.lang} block`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  // One program per document; the first one parses the libraries, the others reuse them.
  const checker = createChecker(root);
  it.each(DOCS.filter((doc) => (chains.get(doc) ?? []).length > 0))('type-checks the TypeScript of %s', (doc) => {
    const docChains = chains.get(doc) ?? [];
    const diagnostics = checker.check(docChains.map((chain) => ({ path: chain.path, text: textOf(chain) })));
    const byPath = new Map(docChains.map((chain) => [chain.path, chain]));
    const messages = diagnostics.map(({ path, line, message }) => {
      const chain = byPath.get(path);
      return chain === undefined ? `${relative(root, path) || '(global)'}:${line + 1}: ${message}` : `${doc}:${docLine(chain, line)}: ${message}`;
    });
    expect(messages).toEqual([]);
  }, 60_000);

  it('parses every JSON block, and shows what the code computes where a block says so', () => {
    for (const { doc, blocks } of documents) {
      for (const block of blocks.filter((b) => b.lang === 'json')) {
        let value: unknown;
        expect(() => (value = JSON.parse(block.code)), `${doc}:${block.line}`).not.toThrow();
        const name = marker(block, 'json');
        if (name === undefined) continue;
        const output = OUTPUTS[name];
        expect(output, `${doc}:${block.line}: unknown output ${name}`).toBeDefined();
        expect(value, `${doc}:${block.line}`).toEqual(output!());
      }
    }
  });

  it('links only to files that exist', () => {
    const missing: string[] = [];
    for (const { doc, text } of documents) {
      for (const { line, target } of relativeLinks(text)) {
        if (target !== '' && !existsSync(resolve(root, dirname(doc), target))) missing.push(`${doc}:${line}: ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe.each(documents.filter(({ blocks }) => blocks.some((block) => marker(block, 'curl') !== undefined)).map(({ doc }) => doc))(
  'the app %s runs',
  (doc) => {
    it('answers every curl transcript exactly as shown', async () => {
      const app = apps.get(doc);
      if (app === undefined) throw new Error(`${doc} was not started`);
      const base = await app.base;
      const transcripts = (documents.find((d) => d.doc === doc)?.blocks ?? []).filter((block) => marker(block, 'curl') !== undefined);
      const problems: string[] = [];
      for (const block of transcripts) {
        const found = await replay(parseTranscript(block.code, block.line + 1), base);
        problems.push(...found.map((problem) => `${doc}: ${problem}`));
      }
      expect(problems, app.output.join('')).toEqual([]);
      // Starting an app is a wait for it to listen, not a measure of speed: a loaded machine may take long.
    }, 120_000);
  },
);

// ---- The errors reference. ----

/** Every AuthErrorCode, read from the union in the source (not from the compiled module, which has no types). */
function errorCodes(union: 'ResourceErrorCode' | 'TokenErrorCode' | 'SharedErrorCode'): string[] {
  const source = readFileSync(join(root, 'src', 'errors', 'codes.ts'), 'utf8');
  const members = new RegExp(`export type ${union}\\s*=([^;]+);`).exec(source)?.[1];
  if (members === undefined) throw new Error(`${union} not found in src/errors/codes.ts`);
  const codes = [...members.matchAll(/'([A-Z_]+)'/g)].map((match) => match[1] ?? '');
  return /\bSharedErrorCode\b/.test(members) ? [...codes, ...errorCodes('SharedErrorCode')] : codes;
}
/** The codes each error class may be created with, from its code union. */
const CLASS_CODES = { BearerError: () => errorCodes('ResourceErrorCode'), TokenRequestError: () => errorCodes('TokenErrorCode') };

/** The options each code's row is constructed with, and the placeholders the tables write for them. */
const SAMPLE_OPTIONS: Partial<Record<string, AuthErrorOptions>> = {
  ERR_TOKEN_CLAIM: { claim: 'exp' },
  ERR_INSUFFICIENT_SCOPE: { scopes: ['me', 'items'] },
  ERR_MISSING_PARAMETER: { parameter: 'username' },
  ERR_REPEATED_PARAMETER: { parameter: 'username' },
  ERR_INVALID_PARAMETER: { parameter: 'username' },
  ERR_INVALID_CLIENT: { basicChallenge: true },
  ERR_API_KEY_INVALID: { challenges: ['APIKey'] },
  ERR_BASIC_INVALID: { challenges: ['Basic realm="api"'] },
  ERR_BASIC_MALFORMED: { challenges: ['Basic realm="api"'] },
  ERR_KEYS_UNAVAILABLE: { retryAfter: 30 },
  ERR_TOO_MANY_ATTEMPTS: { retryAfter: 900 },
};
const PLACEHOLDERS: Record<string, string> = { '<claim>': 'exp', '<scopes>': 'me items', '<parameter>': 'username', '<realm>': 'api', '<cooldown>': '30', '<seconds>': '900' };
/** Headers every token endpoint error carries, said once above its table. */
const TOKEN_ENDPOINT_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** The index of a table's column, by its header (backticks and case ignored). */
function column(table: Table, name: string): number {
  const index = table.header.findIndex((cell) => cell.replace(/`/g, '').toLowerCase() === name);
  if (index === -1) throw new Error(`the table at docs/errors.md:${table.line} has no "${name}" column`);
  return index;
}
const fill = (text: string): string => text.replace(/<[a-z]+>/g, (name) => PLACEHOLDERS[name] ?? name);
const spans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');

describe('docs/errors.md', () => {
  const text = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const errorTables = tables(text).filter((table) => table.markers.some((m) => m.name === 'error-table'));
  const kindOf = (table: Table) => table.markers.find((m) => m.name === 'error-table')?.value;

  it('has one table for protected routes and one for the token endpoint', () => {
    expect(errorTables.map(kindOf).sort()).toEqual(['BearerError', 'TokenRequestError']);
  });

  it.each(['BearerError', 'TokenRequestError'] as const)('lists the %s answers exactly as the code gives them', (kind) => {
    const table = errorTables.find((t) => kindOf(t) === kind);
    if (table === undefined) throw new Error(`no ${kind} table`);
    const [code, status, headers, body] = ['code', 'status', 'headers', 'body'].map((name) => column(table, name)) as [number, number, number, number];
    const codes = CLASS_CODES[kind]();
    const Kind = kind === 'BearerError' ? BearerError : TokenRequestError;
    const seen = new Set<string>();
    for (const { line, cells } of table.rows) {
      const where = `docs/errors.md:${line}`;
      const name = spans(cells[code] ?? '')[0] ?? '';
      expect(codes, `${where}: ${name} is not a code of ${kind}`).toContain(name);
      expect(seen.has(name), `${where}: ${name} twice`).toBe(false);
      seen.add(name);
      const err = new Kind(name as never, SAMPLE_OPTIONS[name] ?? {});
      expect(Number(cells[status]), `${where}: status`).toBe(err.status);
      const shown = Object.fromEntries(
        spans(cells[headers] ?? '').map((header) => {
          const colon = header.indexOf(':');
          return [header.slice(0, colon), fill(header.slice(colon + 1).trim())];
        }),
      );
      if ((cells[headers] ?? '') !== '—' && Object.keys(shown).length === 0) throw new Error(`${where}: write "—" for no headers`);
      expect(err.headers, `${where}: headers`).toEqual(kind === 'TokenRequestError' ? { ...TOKEN_ENDPOINT_HEADERS, ...shown } : shown);
      expect(err.body, `${where}: body`).toEqual(JSON.parse(fill(spans(cells[body] ?? '')[0] ?? 'null')));
      expect(err).toBeInstanceOf(AuthError);
    }
  });

  it.each(['BearerError', 'TokenRequestError'] as const)('has a %s row for every code of its union', (kind) => {
    const table = errorTables.find((t) => kindOf(t) === kind);
    const listed = new Set(table?.rows.map(({ cells }) => spans(cells[column(table, 'code')] ?? '')[0]));
    expect(CLASS_CODES[kind]().filter((code) => !listed.has(code))).toEqual([]);
  });
});
