/** `gatepass hash`: an argon2id hash of a password read from stdin, for seeding a user store. */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createPasswordHasher, type PasswordHasherOptions } from '../password.js';
import { CliError, UsageError, integer, numbersAsValues, parseOrExplain, type Command } from './args.js';

const help = `Usage: gatepass hash [options] < password.txt

Read a password from stdin and print its argon2id hash (a PHC string, $argon2id$v=19$m=…) to store
for a user. The password is never taken from the command line, where it would leak into ps and the
shell history, and never printed.

From a pipe or a file, all of stdin is the password, less one trailing newline. At a terminal you are
asked for it twice, without echo. The hash is made as createPasswordHasher() from gatepass/password
makes it (NFKC normalisation, at most 1024 bytes), so the app's verify() accepts it.

Options:
  --memory-cost <KiB>   memory per hash (default 19456, OWASP's minimum for 2 passes)
  --time-cost <n>       passes over memory (default 2)
  --parallelism <n>     lanes (default 1)
  --allow-weak          accept a memory cost below OWASP's minimum for the time cost
  -h, --help            show this help

OWASP's password storage cheat sheet gives equivalent minimums for argon2id: m=47104 t=1,
m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5 (m in KiB, with 1 lane). Parameters below them
are refused unless --allow-weak is given: with more passes, less memory will do, never less than 7168.

Give the app's createPasswordHasher() the same parameters, or its needsRehash() will flag the hash.
`;

const options = {
  'memory-cost': { type: 'string' },
  'time-cost': { type: 'string' },
  parallelism: { type: 'string' },
  'allow-weak': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Defaults of createPasswordHasher(), which are OWASP's m=19456 t=2 p=1. */
const DEFAULT_MEMORY_COST = 19456;
const DEFAULT_TIME_COST = 2;

/**
 * OWASP's minimum memory cost (KiB) for argon2id at a time cost, from the password storage cheat
 * sheet's equivalent configurations (m=47104 t=1 … m=7168 t=5, p=1); more passes need no less than 7168.
 */
function owaspMinimumMemory(timeCost: number): number {
  return [47104, 19456, 12288, 9216][timeCost - 1] ?? 7168;
}

const MAX_STDIN = 64 * 1024;

/** All of stdin as UTF-8, less one trailing newline. */
async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN) throw new CliError('stdin holds more than 64 KiB: that is not a password');
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new CliError('the password on stdin is not valid UTF-8');
  }
  return text.replace(/\r?\n$/, '');
}

/** Prompts on stderr and reads one line from the terminal without echo. */
function prompt(question: string): Promise<string> {
  process.stderr.write(question);
  // With no output stream, readline still reads the terminal in raw mode but echoes nothing.
  const lines = createInterface({ input: process.stdin, terminal: true });
  return new Promise<string>((resolve, reject) => {
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once('SIGINT', () => {
      answered = true;
      lines.close();
      reject(new CliError('cancelled', 130));
    });
    lines.once('close', () => {
      process.stderr.write('\n');
      if (!answered) resolve('');
    });
  });
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readPiped();
  const password = await prompt('Password: ');
  if (password === '') return password;
  if ((await prompt('Repeat password: ')) !== password) throw new CliError('the two passwords differ');
  return password;
}

export const hash: Command = {
  name: 'hash',
  summary: 'hash a password read from stdin with argon2id, for seeding a user store',
  help,
  async run(args) {
    const numeric = ['--memory-cost', '--time-cost', '--parallelism'];
    const { values } = parseOrExplain(() => parseArgs({ args: numbersAsValues(args, numeric), options, strict: true }), {
      positional: 'the password is read from stdin, never from the command line',
      options: { '--password': 'the password is read from stdin, never from the command line' },
    });
    if (values.help) {
      process.stdout.write(help);
      return;
    }
    const settings: PasswordHasherOptions = {};
    if (values.parallelism !== undefined) settings.parallelism = integer('--parallelism', values.parallelism, 1, 255);
    if (values['time-cost'] !== undefined) settings.timeCost = integer('--time-cost', values['time-cost'], 1, 1000);
    if (values['memory-cost'] !== undefined) {
      const lanes = settings.parallelism ?? 1;
      settings.memoryCost = integer('--memory-cost', values['memory-cost'], 8 * lanes, 4 * 1024 * 1024);
    }
    const memoryCost = settings.memoryCost ?? DEFAULT_MEMORY_COST;
    const timeCost = settings.timeCost ?? DEFAULT_TIME_COST;
    const minimum = owaspMinimumMemory(timeCost);
    if (memoryCost < minimum && !values['allow-weak']) {
      const given = settings.memoryCost === undefined ? `--time-cost ${timeCost} with the default --memory-cost ${memoryCost}` : `--memory-cost ${memoryCost}`;
      throw new UsageError(
        `${given} is below OWASP's minimum for argon2id (${minimum} KiB with --time-cost ${timeCost}); pass --allow-weak to use it anyway`,
      );
    }
    const hasher = createPasswordHasher(settings);

    const password = await readPassword();
    if (password === '') {
      throw new CliError(process.stdin.isTTY ? 'refusing an empty password' : 'no password on stdin: pipe one in, e.g. gatepass hash < password.txt');
    }
    let stored: string;
    try {
      stored = await hasher.hash(password);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_PASSWORD_TOO_LONG') throw new CliError('the password is longer than 1024 bytes');
      throw err;
    }
    process.stdout.write(`${stored}\n`);
  },
};
