#!/usr/bin/env node
/**
 * The `gatepass` command (the package's `bin`): OpenAPI snippets, password hashes, keys and
 * development tokens, made with the library's own core. Exit codes: 0 success, 1 failure, 2 usage.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { CliError, UsageError, type Command } from './cli/args.js';
import { hash } from './cli/hash.js';
import { key } from './cli/key.js';
import { openapi } from './cli/openapi.js';
import { secret } from './cli/secret.js';
import { token } from './cli/token.js';

const COMMANDS: readonly Command[] = [openapi, hash, secret, key, token];

const HELP = `Usage: gatepass <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(9)} ${command.summary}`).join('\n')}

Options:
  -h, --help   show this help; gatepass <command> --help shows a command's options
  --version    print gatepass's version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') return void process.stdout.write(HELP);
  if (first === '--version') return void process.stdout.write(`${version()}\n`);
  if (first === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && command === undefined) throw new UsageError(`unknown command '${rest[0]}'`);
    return void process.stdout.write(command?.help ?? HELP);
  }
  if (first === undefined) {
    process.stderr.write(HELP);
    throw new UsageError('no command given');
  }
  // Never echo an option's value: it may be a password or a key typed in the wrong place.
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first.replace(/=.*/s, '')}'`);
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) throw new UsageError(`unknown command '${first}'`);
  await command.run(rest);
}

const argv = process.argv.slice(2);
const commandName = COMMANDS.find((c) => c.name === argv[0])?.name;
main(argv).catch((err: unknown) => {
  const prefix = commandName === undefined ? 'gatepass' : `gatepass ${commandName}`;
  const message = err instanceof Error ? err.message : String(err);
  const hint = err instanceof UsageError ? ` (see '${prefix} --help')` : '';
  process.stderr.write(`${prefix}: ${message}${hint}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
});
