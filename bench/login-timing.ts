// How long a failed login takes when the user does not exist, against when the password is wrong, and
// against a success: the dummy verification should make the three indistinguishable. Run:
// `npm run bench` (this file and the others under bench/), results as ratios in docs/benchmarks.md.
import { createGatepass } from 'gatepass';
import { createPasswordHasher } from 'gatepass/password';

const ROUNDS = Number(process.env.ROUNDS ?? 40);

const passwords = createPasswordHasher();
const stored = await passwords.hash('secret');
const auth = createGatepass({
  secret: 'a-benchmark-secret-that-is-at-least-32-bytes',
  async verifyCredentials({ username, password }) {
    const hash = username === 'johndoe' ? stored : undefined;
    return (await passwords.verifyUser(hash, password)) ? { subject: username } : null;
  },
  resolveUser: () => null,
});

const login = (body: string) =>
  auth.issueToken({ body, contentType: 'application/x-www-form-urlencoded' }).then(
    () => 'ok',
    (err: { code: string }) => err.code,
  );

const cases = {
  'wrong password': 'username=johndoe&password=wrong',
  'unknown user': 'username=nobody&password=wrong',
  success: 'username=johndoe&password=secret',
} as const;

const samples: Record<keyof typeof cases, number[]> = { 'wrong password': [], 'unknown user': [], success: [] };
// Interleaved, so that drift in the machine's load affects every case alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, body] of Object.entries(cases) as Array<[keyof typeof cases, string]>) {
    const start = process.hrtime.bigint();
    await login(body);
    samples[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const base = median(samples['wrong password']);
console.log(`login timing, ${ROUNDS} interleaved rounds, argon2id m=19456 t=2 p=1`);
console.log('| case | median ms | ratio to wrong password |');
console.log('| --- | --- | --- |');
for (const [name, values] of Object.entries(samples)) {
  console.log(`| ${name} | ${median(values).toFixed(1)} | ${(median(values) / base).toFixed(2)} |`);
}
