/** `gatepass token`: a development access token, signed with the secret from the environment. */
import { parseArgs } from 'node:util';
import { createTokens, parseScope, type TokenOptions } from '../index.js';
import { CliError, UsageError, integer, nonEmpty, numbersAsValues, parseOrExplain, scopeName, type Command } from './args.js';

const help = `Usage: gatepass token --subject <sub> [options]

Mint a development access token (HS256), signed with the secret the app reads from its environment.
The secret is read from an environment variable, never from the command line, where it would leak into
ps and the shell history.

  GATEPASS_SECRET=… gatepass token --subject johndoe --scope me

Options:
  --subject <sub>         the token's sub claim (required)
  --scope <scope>         a granted scope; repeat for each (or give several separated by spaces)
  --expires-in <seconds>  lifetime (default 1800)
  --issuer <iss>          the iss claim, when the app checks one
  --audience <aud>        the aud claim, when the app checks one; repeat for several
  --secret-env <NAME>     the environment variable holding the secret (default GATEPASS_SECRET)
  --json                  print {"token", "expiresIn", "claims"} instead of the bare token
  -h, --help              show this help
`;

const SECRET_HINT = 'the secret is read from an environment variable: --secret-env <NAME> (default GATEPASS_SECRET)';

const options = {
  subject: { type: 'string' },
  scope: { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
  issuer: { type: 'string' },
  audience: { type: 'string', multiple: true },
  'secret-env': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const token: Command = {
  name: 'token',
  summary: 'mint a development access token for a subject and scopes',
  help,
  async run(args) {
    const { values } = parseOrExplain(() => parseArgs({ args: numbersAsValues(args, ['--expires-in']), options, strict: true }), {
      options: { '--secret': SECRET_HINT, '--key': SECRET_HINT },
    });
    if (values.help) {
      process.stdout.write(help);
      return;
    }
    if (values.subject === undefined) throw new UsageError('--subject is required, e.g. --subject johndoe');
    const subject = nonEmpty('--subject', values.subject);
    const scopes = parseScope(
      (values.scope ?? [])
        .flatMap((value) => value.split(' ').filter((name) => name !== ''))
        .map((name) => scopeName('--scope', name))
        .join(' '),
    );
    const settings: TokenOptions = {};
    if (values['expires-in'] !== undefined) settings.expiresIn = integer('--expires-in', values['expires-in'], 1, 2 ** 31 - 1);
    if (values.issuer !== undefined) settings.issuer = nonEmpty('--issuer', values.issuer);
    const audience = (values.audience ?? []).map((aud) => nonEmpty('--audience', aud));
    if (audience.length > 0) settings.audience = audience.length === 1 ? (audience[0] as string) : audience;

    const name = values['secret-env'] ?? 'GATEPASS_SECRET';
    // Never echo the value: someone may have put the secret itself here.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError('--secret-env takes the name of an environment variable, not a secret');
    const key = process.env[name];
    if (key === undefined || key === '') {
      throw new CliError(`the environment variable ${name} is not set: put the app's secret there (make one with 'gatepass secret')`);
    }
    let tokens;
    try {
      tokens = createTokens({ ...settings, secret: key });
    } catch (err) {
      // createTokens names the rule the key breaks, never the key.
      const reason = err instanceof Error ? err.message.replace(/^createTokens: /, '') : String(err);
      throw new CliError(`the secret in ${name} is refused: ${reason}`);
    }
    const issued = await tokens.issue(subject, { scopes });
    const text = values.json
      ? JSON.stringify({ token: issued.token, expiresIn: issued.expiresIn, claims: issued.claims }, null, 2)
      : issued.token;
    process.stdout.write(`${text}\n`);
  },
};
