/** `gatepass key`: a fresh signing key for an algorithm, as the app's configuration takes it. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createTokens, type TokenAlgorithm } from '../index.js';
import { oneOf, parseOrExplain, UsageError, type Command } from './args.js';

// The asymmetric algorithms first, the most useful first: the order `--help` lists them in.
const ALGORITHMS = ['ES256', 'EdDSA', 'RS256', 'PS256', 'ES384', 'ES512', 'RS384', 'RS512', 'PS384', 'PS512', 'HS256', 'HS384', 'HS512'] as const satisfies readonly TokenAlgorithm[];

const help = `Usage: gatepass key [options]

Print a fresh signing key, to keep in the app's secret store:

  export GATEPASS_PRIVATE_KEY="$(gatepass key --alg ES256)"

For an asymmetric algorithm, the private key as PKCS#8 PEM (or a private JWK with its RFC 7638
thumbprint as kid, with --format jwk): the app passes it as { privateKey, alg } in createGatepass's
keys, and publishes the public part through jwksEndpoint. For HS256/HS384/HS512, a random secret as
long as the hash, base64url, as \`gatepass secret\` prints. The key is printed once and kept nowhere.

Options:
  --alg <alg>                 ${ALGORITHMS.join(', ')} (default ES256)
  --format <pem|jwk>          for an asymmetric key (default pem)
  -h, --help                  show this help
`;

const options = {
  alg: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const key: Command = {
  name: 'key',
  summary: 'print a fresh signing key (ES256, EdDSA, RS256, PS256, HS256, …)',
  help,
  async run(args) {
    const { values } = parseOrExplain(() => parseArgs({ args: [...args], options, strict: true }));
    if (values.help) {
      process.stdout.write(help);
      return;
    }
    const alg = oneOf('--alg', values.alg ?? 'ES256', ALGORITHMS);
    const format = oneOf('--format', values.format ?? 'pem', ['pem', 'jwk']);
    if (alg.startsWith('HS')) {
      if (values.format !== undefined) throw new UsageError('--format is for asymmetric keys; an HMAC secret is printed as base64url');
      const bytes = crypto.getRandomValues(new Uint8Array(Number(alg.slice(2)) / 8));
      process.stdout.write(`${Buffer.from(bytes).toString('base64url')}\n`);
      return;
    }
    const privateKey = generate(alg);
    if (format === 'pem') {
      process.stdout.write(`${String(privateKey.export({ format: 'pem', type: 'pkcs8' })).trimEnd()}\n`);
      return;
    }
    // The kid the library gives this key: its RFC 7638 thumbprint.
    const { keys } = createTokens({ keys: [{ privateKey, alg }] });
    await keys.ready;
    const kid = keys.list()[0]!.kid;
    process.stdout.write(`${JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' })}\n`);
  },
};

function generate(alg: string): KeyObject {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519').privateKey;
  if (alg.startsWith('ES')) return generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg]! }).privateKey;
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}
