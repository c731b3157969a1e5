/** `gatepass secret`: a fresh random key for HS256 tokens. */
import { parseArgs } from 'node:util';
import { integer, numbersAsValues, oneOf, parseOrExplain, type Command } from './args.js';

const help = `Usage: gatepass secret [options]

Print a fresh random key for HS256 tokens, to keep in the app's environment:

  export GATEPASS_SECRET="$(gatepass secret)"

The app passes the printed text as createTokens({ secret }) or createGatepass({ secret }), which use its
characters as the key: 32 random bytes print as 43 base64url characters.

Options:
  --bytes <n>                 random bytes, 32 to 1024 (default 32)
  --format <base64url|hex>    how to print them (default base64url)
  -h, --help                  show this help
`;

const options = {
  bytes: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const secret: Command = {
  name: 'secret',
  summary: 'print a fresh random HS256 key',
  help,
  async run(args) {
    const { values } = parseOrExplain(() => parseArgs({ args: numbersAsValues(args, ['--bytes']), options, strict: true }));
    if (values.help) {
      process.stdout.write(help);
      return;
    }
    const bytes = values.bytes === undefined ? 32 : integer('--bytes', values.bytes, 32, 1024);
    const format = oneOf('--format', values.format ?? 'base64url', ['base64url', 'hex']);
    const key = Buffer.from(crypto.getRandomValues(new Uint8Array(bytes)));
    process.stdout.write(`${key.toString(format)}\n`);
  },
};
