// The app's own tokens verified with node:crypto, and answered from the verified-token cache when seen
// again, give the verdict jose's jwtVerify gives: the same claims, or a refusal with the same code and
// claim. Each token goes to two verifiers built from the same options, one forced onto jose without a
// cache; hostile tokens are signed by hand with node:crypto (jose will not make most of them), fixed
// ones and fast-check's.
import { constants, createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, type KeySpec, type TokenAlgorithm, type TokenOptions, type Tokens } from '../src/index.js';
import { buildTokens } from '../src/tokens/tokens.js';
import { freezeDate } from './support/frozen-date.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const now = NOW.getTime() / 1000;
const ISS = 'https://id.test';

freezeDate(NOW);
afterEach(() => {
  vi.restoreAllMocks();
});

/** A key that signs test tokens by hand, and the spec that puts it in a key set. */
interface TestKey {
  readonly kid: string;
  readonly alg: TokenAlgorithm;
  readonly spec: KeySpec;
  sign(input: string): Buffer;
}

const hash = (alg: TokenAlgorithm): string => `sha${alg.slice(2)}`;

function hmacKey(alg: TokenAlgorithm, kid: string): TestKey {
  const secret = new Uint8Array(randomBytes(64));
  return { kid, alg, spec: { kid, alg, secret }, sign: (input) => createHmac(hash(alg), secret).update(input).digest() };
}

function pairKey(alg: TokenAlgorithm, kid: string, privateKey: KeyObject): TestKey {
  const signer =
    alg === 'EdDSA'
      ? (input: string) => sign(null, Buffer.from(input), privateKey)
      : alg.startsWith('PS')
        ? (input: string) => sign(hash(alg), Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
        : alg.startsWith('ES')
          ? (input: string) => sign(hash(alg), Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
          : (input: string) => sign(hash(alg), Buffer.from(input), privateKey);
  return { kid, alg, spec: { kid, alg, privateKey }, sign: signer };
}

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey;
const [rsaKey, otherRsaKey] = [rsa(), rsa()];
const ecKeys = { ES256: ec('P-256'), ES384: ec('P-384'), ES512: ec('P-521') };
const edKey = generateKeyPairSync('ed25519').privateKey;

/** One key of every algorithm, in the set. */
const KEYS: Record<TokenAlgorithm, TestKey> = {
  HS256: hmacKey('HS256', 'hs256'),
  HS384: hmacKey('HS384', 'hs384'),
  HS512: hmacKey('HS512', 'hs512'),
  RS256: pairKey('RS256', 'rs256', rsaKey),
  RS384: pairKey('RS384', 'rs384', rsaKey),
  RS512: pairKey('RS512', 'rs512', rsaKey),
  PS256: pairKey('PS256', 'ps256', rsaKey),
  PS384: pairKey('PS384', 'ps384', rsaKey),
  PS512: pairKey('PS512', 'ps512', rsaKey),
  ES256: pairKey('ES256', 'es256', ecKeys.ES256),
  ES384: pairKey('ES384', 'es384', ecKeys.ES384),
  ES512: pairKey('ES512', 'es512', ecKeys.ES512),
  EdDSA: pairKey('EdDSA', 'eddsa', edKey),
};
const ALGS = Object.keys(KEYS) as TokenAlgorithm[];

/** Keys of the same algorithms outside the set, under the set's kids: a signature by the wrong key. */
const STRANGERS: Partial<Record<TokenAlgorithm, TestKey>> = {
  HS256: hmacKey('HS256', 'hs256'),
  RS256: pairKey('RS256', 'rs256', otherRsaKey),
  PS256: pairKey('PS256', 'ps256', otherRsaKey),
  ES256: pairKey('ES256', 'es256', ec('P-256')),
  EdDSA: pairKey('EdDSA', 'eddsa', generateKeyPairSync('ed25519').privateKey),
};

/** The RS256 key's public PEM used as an HMAC secret: algorithm confusion (RFC 8725 §2.1). */
const PEM = createPublicKey(rsaKey).export({ format: 'pem', type: 'spki' }).toString();
const confused = (kid: string | undefined): TestKey => ({
  kid: kid ?? '',
  alg: 'HS256',
  spec: {},
  sign: (input) => createHmac('sha256', PEM).update(input).digest(),
});

const b64 = (bytes: string | Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** A compact JWS whose header and payload are exactly the given JSON text (or bytes). */
function jws(header: string | Uint8Array, payload: string | Uint8Array, key: TestKey, signature: (signed: Buffer) => Buffer = (signed) => signed): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${b64(signature(key.sign(input)))}`;
}

const headerOf = (key: TestKey, extra: Record<string, unknown> = {}): string => JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...extra });
const GOOD = { sub: 'alice', iat: now, exp: now + 60, iss: ISS, aud: 'api', scope: 'me' };
const payloadOf = (extra: Record<string, unknown> = {}): string => JSON.stringify({ ...GOOD, ...extra });
/** The good payload with `raw` JSON text in place of some members: numbers JSON.stringify cannot write. */
const rawPayload = (raw: string): string => `{"sub":"alice","iat":${now},"exp":${now + 60},"iss":"${ISS}","aud":"api",${raw}}`;

/** ECDSA curve orders, for the other signature of the same message (s → n − s). */
const ORDERS: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512: 0x01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};
function otherS(alg: TokenAlgorithm): (signature: Buffer) => Buffer {
  return (signature) => {
    const half = signature.length / 2;
    const s = BigInt(`0x${signature.subarray(half).toString('hex')}`);
    return Buffer.concat([signature.subarray(0, half), Buffer.from((ORDERS[alg]! - s).toString(16).padStart(half * 2, '0'), 'hex')]);
  };
}
/** The same r and s in DER, as some libraries write ECDSA signatures. */
function der(signature: Buffer): Buffer {
  const int = (bytes: Buffer) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    const value = (trimmed[0]! & 0x80) === 0 ? trimmed : Buffer.concat([Buffer.from([0]), trimmed]);
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([int(signature.subarray(0, signature.length / 2)), int(signature.subarray(signature.length / 2))]);
  return Buffer.concat([Buffer.from(body.length < 128 ? [0x30, body.length] : [0x30, 0x81, body.length]), body]);
}

type Outcome = { claims: unknown } | { code: string; claim: string | undefined; cause: string | undefined };

async function outcome(tokens: Tokens, token: string): Promise<Outcome> {
  try {
    return { claims: await tokens.verify(token) };
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    return { code: err.code, claim: err.claim, cause: (err.cause as Error | undefined)?.constructor.name };
  }
}

const CONFIGS: Record<string, Omit<TokenOptions, 'keys'>> = {
  plain: {},
  strict: { issuer: ISS, audience: ['api', 'admin'], typ: 'at+jwt', clockTolerance: 5 },
  'no exp required': { requireExpiry: false, audience: 'api' },
};

/** Both verifiers of a configuration, over one key set. */
function verifiers(config: Omit<TokenOptions, 'keys'>): { node: Tokens; jose: Tokens } {
  const options = { ...config, keys: ALGS.map((alg) => KEYS[alg].spec) };
  return { node: buildTokens(options, 'test').tokens, jose: buildTokens({ ...options, verifiedTokenCache: false }, 'test', 'jose').tokens };
}
const BUILT = Object.fromEntries(Object.entries(CONFIGS).map(([name, config]) => [name, verifiers(config)]));

/**
 * The node:crypto verdict equals jose's: the first time, and every time after (a token of the app's own
 * keys is kept at its second verification and answered from the verified-token cache at its third).
 */
async function expectSameVerdict(name: string, token: string): Promise<Outcome> {
  const { node, jose } = BUILT[name]!;
  const expected = await outcome(jose, token);
  for (let time = 1; time <= 3; time++) expect(await outcome(node, token), `verification ${time}`).toEqual(expected);
  return expected;
}

/** Hand-made tokens, each a case that some verifier could get wrong. */
function fixedCases(): Array<[string, string]> {
  const cases: Array<[string, string]> = [];
  const add = (name: string, token: string) => cases.push([name, token]);
  const HS = KEYS.HS256;
  for (const alg of ALGS) {
    const key = KEYS[alg];
    add(`${alg}: valid`, jws(headerOf(key), payloadOf(), key));
    add(`${alg}: valid without kid`, jws(JSON.stringify({ alg, typ: 'at+jwt' }), payloadOf(), key));
    add(`${alg}: signature cut short by a byte`, jws(headerOf(key), payloadOf(), key, (s) => s.subarray(0, -1)));
    add(`${alg}: signature cut short by 3 bytes`, jws(headerOf(key), payloadOf(), key, (s) => s.subarray(0, -3)));
    add(`${alg}: signature with a byte more`, jws(headerOf(key), payloadOf(), key, (s) => Buffer.concat([s, Buffer.from([0])])));
    add(`${alg}: signature with a bit flipped`, jws(headerOf(key), payloadOf(), key, (s) => Buffer.from(s.map((byte, i) => (i === 5 ? byte ^ 1 : byte)))));
    add(`${alg}: zero signature`, jws(headerOf(key), payloadOf(), key, (s) => Buffer.alloc(s.length)));
    add(`${alg}: empty signature`, jws(headerOf(key), payloadOf(), key, () => Buffer.alloc(0)));
    add(`${alg}: the header of another algorithm's key`, jws(headerOf(key, { kid: alg === 'HS256' ? 'es256' : 'hs256' }), payloadOf(), key));
  }
  for (const alg of ['ES256', 'ES384', 'ES512'] as const) {
    const key = KEYS[alg];
    add(`${alg}: the other s (n − s)`, jws(headerOf(key), payloadOf(), key, otherS(alg)));
    add(`${alg}: DER-encoded signature`, jws(headerOf(key), payloadOf(), key, der));
    add(`${alg}: r and s one byte short each`, jws(headerOf(key), payloadOf(), key, (s) => Buffer.concat([s.subarray(1, s.length / 2), s.subarray(s.length / 2 + 1)])));
  }
  for (const [alg, stranger] of Object.entries(STRANGERS)) add(`${alg}: signed by a key outside the set, under its kid`, jws(headerOf(stranger), payloadOf(), stranger));
  add('PS256 with a salt as long as the key allows', jws(headerOf(KEYS.PS256), payloadOf(), {
    ...KEYS.PS256,
    sign: (input) => sign('sha256', Buffer.from(input), { key: rsaKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN }),
  }));
  add('PS256 with no salt', jws(headerOf(KEYS.PS256), payloadOf(), {
    ...KEYS.PS256,
    sign: (input) => sign('sha256', Buffer.from(input), { key: rsaKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 }),
  }));
  add('RS256 key, PKCS#1 v1.5 signature under PS256', jws(headerOf(KEYS.PS256), payloadOf(), { ...KEYS.PS256, sign: KEYS.RS256.sign }));

  // Algorithms and keys.
  add('HS256 made with the RS256 public key as secret, RS256 kid', jws(headerOf(confused('rs256'), { alg: 'HS256', kid: 'rs256' }), payloadOf(), confused('rs256')));
  add('HS256 made with a public key as secret, no kid', jws(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' }), payloadOf(), confused(undefined)));
  add('alg none, no signature', `${b64(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${b64(payloadOf())}.`);
  add('alg none, a signature', jws(JSON.stringify({ alg: 'none', typ: 'at+jwt' }), payloadOf(), HS));
  add('alg of another case', jws(headerOf(HS, { alg: 'hs256' }), payloadOf(), HS));
  add('alg missing', jws(JSON.stringify({ kid: 'hs256', typ: 'at+jwt' }), payloadOf(), HS));
  add('alg a number', jws(headerOf(HS, { alg: 256 }), payloadOf(), HS));
  add('unknown kid', jws(headerOf(HS, { kid: 'nobody' }), payloadOf(), HS));
  add('kid a number', jws(headerOf(HS, { kid: 7 }), payloadOf(), HS));
  add('kid null', jws(headerOf(HS, { kid: null }), payloadOf(), HS));
  add('jku, x5u and jwk headers, ignored', jws(headerOf(HS, { jku: 'https://evil.test/jwks', x5u: 'https://evil.test/x5', jwk: { kty: 'oct', k: 'AA' } }), payloadOf(), HS));

  // Spelling.
  const valid = jws(headerOf(HS), payloadOf(), HS);
  const [h, p, s] = valid.split('.') as [string, string, string];
  add('padding on the signature', `${valid}=`);
  add('stray bits in the signature', `${h}.${p}.${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`);
  add('standard base64 in the payload', `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}x.${s}`);
  add('four segments', `${valid}.${s}`);

  // Header and payload that are not JSON objects.
  for (const [what, text] of [
    ['an array', '[]'],
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"alice"'],
    ['broken JSON', '{"sub":"alice"'],
    ['empty', ''],
  ] as const) {
    add(`payload ${what}`, jws(headerOf(HS), text, HS));
    add(`header ${what}`, jws(text, payloadOf(), HS));
  }
  add('payload not UTF-8', jws(headerOf(HS), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), HS));
  add('payload with a byte order mark', jws(headerOf(HS), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(payloadOf())]), HS));
  add('header with a byte order mark', jws(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(headerOf(HS))]), payloadOf(), HS));
  add('header not UTF-8', jws(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), payloadOf(), HS));
  add('payload in UTF-16', jws(headerOf(HS), Buffer.from(payloadOf(), 'utf16le'), HS));

  // Time claims.
  for (const [claim, values] of [
    ['exp', ['"' + (now + 60) + '"', 'null', 'true', '[1]', '1e999', '-1e999', '-1', '0', `${now}`, `${now + 1}`, `${now - 4}`, `${now - 5}`, `${now - 6}`, `${now + 0.5}`, `${now - 4.5}`, '1e308']],
    ['nbf', ['"0"', 'null', '1e999', '-1e999', '-1', `${now}`, `${now + 1}`, `${now + 5}`, `${now + 5.5}`, `${now + 6}`, `${now - 1}`]],
    ['iat', ['"0"', 'null', '{}', '1e999', '-1e999', '-1', `${now}`, `${now + 1}`, `${now + 5}`, `${now + 5.5}`, `${now + 6}`, `${now - 100}`]],
  ] as const) {
    for (const value of values) add(`${claim} ${value}`, jws(headerOf(HS), `{"sub":"alice","iss":"${ISS}","aud":"api",${claim === 'exp' ? '' : `"exp":${now + 60},`}"${claim}":${value}}`, HS));
  }
  add('no exp', jws(headerOf(HS), JSON.stringify({ sub: 'alice', iss: ISS, aud: 'api' }), HS));

  // iss, aud, sub, scope.
  for (const [what, extra] of [
    ['aud another', { aud: 'other' }],
    ['aud an array naming one of ours', { aud: ['other', 'admin'] }],
    ['aud an array naming none of ours', { aud: ['other', 'else'] }],
    ['aud an empty array', { aud: [] }],
    ['aud an array with a number', { aud: [1, 'api'] }],
    ['aud a number', { aud: 5 }],
    ['aud null', { aud: null }],
    ['aud in another case', { aud: 'API' }],
    ['aud missing', { aud: undefined }],
    ['iss another', { iss: 'https://evil.test' }],
    ['iss missing', { iss: undefined }],
    ['iss a number', { iss: 1 }],
    ['iss an array', { iss: [ISS] }],
    ['iss with a trailing slash', { iss: `${ISS}/` }],
    ['sub missing', { sub: undefined }],
    ['sub empty', { sub: '' }],
    ['sub a number', { sub: 42 }],
    ['scope an array', { scope: ['me'] }],
    ['unicode claims', { sub: 'Zoë 😀', name: 'ﬁ\u0000\u2028', scope: 'me ünï' }],
    ['a lone surrogate', { sub: '\ud800' }],
    ['a huge integer claim', { n: 12345678901234567890123 }],
  ] as const) {
    add(what, jws(headerOf(HS), payloadOf(extra as Record<string, unknown>), HS));
  }
  add('exp and sub written twice', jws(headerOf(HS), `{"sub":"mallory","exp":1,"sub":"alice","iat":${now},"exp":${now + 60},"iss":"${ISS}","aud":"api"}`, HS));
  add('a huge integer exp', jws(headerOf(HS), rawPayload('"nbf":123456789012345678901234567890'), HS));
  add('__proto__ in the payload', jws(headerOf(HS), rawPayload('"__proto__":{"sub":"admin","isAdmin":true}'), HS));
  add('__proto__ null in the payload', jws(headerOf(HS), rawPayload('"__proto__":null'), HS));
  add('constructor and toString claims', jws(headerOf(HS), rawPayload('"constructor":1,"toString":"x","hasOwnProperty":false'), HS));
  add('__proto__ in the header', jws(`{"__proto__":{"alg":"none"},"alg":"HS256","kid":"hs256","typ":"at+jwt"}`, payloadOf(), HS));
  add('alg only under __proto__', jws(`{"__proto__":{"alg":"HS256"},"kid":"hs256","typ":"at+jwt"}`, payloadOf(), HS));
  add('alg written twice, none last', jws(`{"alg":"HS256","kid":"hs256","typ":"at+jwt","alg":"none"}`, payloadOf(), HS));
  add('alg written twice, HS256 last', jws(`{"alg":"none","kid":"hs256","typ":"at+jwt","alg":"HS256"}`, payloadOf(), HS));

  // typ.
  for (const typ of ['JWT', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT', 'at+jwt ', 'application/jwt', '', 5, null, ['at+jwt']]) {
    add(`typ ${JSON.stringify(typ)}`, jws(headerOf(HS, { typ }), payloadOf(), HS));
  }
  add('typ missing', jws(JSON.stringify({ alg: 'HS256', kid: 'hs256' }), payloadOf(), HS));

  // crit and b64 (RFC 7515 §4.1.11, RFC 7797).
  for (const [what, extra] of [
    ['crit unknown', { crit: ['urn:example:unknown'], 'urn:example:unknown': true }],
    ['crit empty', { crit: [] }],
    ['crit a string', { crit: 'b64', b64: true }],
    ['crit null', { crit: null }],
    ['crit with an empty name', { crit: [''] }],
    ['crit with a number', { crit: [1] }],
    ['crit b64 without b64', { crit: ['b64'] }],
    ['crit b64, b64 true', { crit: ['b64'], b64: true }],
    ['crit b64, b64 false', { crit: ['b64'], b64: false }],
    ['crit b64, b64 a string', { crit: ['b64'], b64: 'false' }],
    ['crit b64 twice', { crit: ['b64', 'b64'], b64: true }],
    ['crit b64 then unknown', { crit: ['b64', 'urn:x'], b64: true }],
    ['crit unknown then b64 missing', { crit: ['urn:x', 'b64'] }],
    ['crit b64 missing then unknown', { crit: ['b64', 'urn:x'] }],
    ['b64 false without crit', { b64: false }],
    ['crit exp', { crit: ['exp'], exp: now + 60 }],
  ] as const) {
    add(what, jws(headerOf(HS, extra), payloadOf(), HS));
  }
  add('crit b64, b64 false, signature wrong', jws(headerOf(HS, { crit: ['b64'], b64: false }), payloadOf(), HS, () => Buffer.alloc(32)));
  add('crit b64, b64 false, payload not JSON', jws(headerOf(HS, { crit: ['b64'], b64: false }), 'not json', HS));
  return cases;
}

describe.each(Object.keys(CONFIGS))('configuration %s', (name) => {
  it.each(fixedCases())('%s', async (_case, token) => {
    await expectSameVerdict(name, token);
  });
});

describe('the paths compared are not the same path', () => {
  it('verifies the app\'s own tokens without WebCrypto where node:crypto is there, and jose with it', async () => {
    const verify = vi.spyOn(crypto.subtle, 'verify');
    const { node, jose } = BUILT.plain!;
    for (const alg of ALGS) {
      const token = jws(headerOf(KEYS[alg]), payloadOf(), KEYS[alg]);
      await node.verify(token);
      expect(verify).not.toHaveBeenCalled();
      await jose.verify(token);
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockClear();
    }
  });

  it('verifies with jose where the runtime has no node:crypto', async () => {
    vi.resetModules();
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const { buildTokens: build } = await import('../src/tokens/tokens.js');
    const { tokens } = build({ keys: [KEYS.ES256.spec] }, 'test');
    await tokens.keys.ready;
    const verify = vi.spyOn(crypto.subtle, 'verify');
    await expect(tokens.verify(jws(headerOf(KEYS.ES256), payloadOf(), KEYS.ES256))).resolves.toMatchObject({ sub: 'alice' });
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe('property: generated headers, payloads and signatures', () => {
  const SOME_ALGS: TokenAlgorithm[] = ['HS256', 'HS512', 'RS256', 'PS384', 'ES256', 'ES512', 'EdDSA'];
  const json = (value: unknown) => JSON.stringify(value);
  const time = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: now - 8, max: now + 8 }).map(String) },
    { weight: 2, arbitrary: fc.double({ min: now - 8, max: now + 8, noNaN: true }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('1e999', '-1e999', 'null', '"1"', 'true', '[]', '{}', '-0', '0', '1e308') },
  );
  const text = fc.oneof(
    fc.constantFrom(json('alice'), '""', json(ISS), json('api'), json('admin'), json(['api']), json(['other', 'admin']), '[1]', '5', 'null', '{}'),
    fc.string({ unit: 'grapheme', maxLength: 8 }).map(json),
  );
  const member = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('exp', 'nbf', 'iat'), time) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('sub', 'iss', 'aud', 'scope', 'jti', '__proto__', 'constructor'), text) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), text) },
  );
  const object = (members: Array<[string, string]>) => `{${members.map(([name, value]) => `${json(name)}:${value}`).join(',')}}`;
  const goodMembers = (): Array<[string, string]> => Object.entries(GOOD).map(([name, value]) => [name, json(value)]);
  const payload = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant(goodMembers()) }, { weight: 1, arbitrary: fc.subarray(goodMembers()) }), fc.array(member, { maxLength: 3 }))
        .map(([kept, extra]) => object([...kept, ...extra])),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(json) },
    { weight: 1, arbitrary: fc.constantFrom('{', '[1,', 'nul', '\ufeff{"sub":"alice","exp":1e10}', '{"sub":"alice","exp":1e10,"sub":"x"}') },
  );
  const headerMember = fc.oneof(
    fc.tuple(fc.constant('alg'), fc.constantFrom('"none"', '"HS256"', '"ES256"', '"RS256"', '"EdDSA"', '"hs256"', '1', 'null')),
    fc.tuple(fc.constant('kid'), fc.constantFrom('"hs256"', '"es256"', '"nobody"', '1', 'null')),
    fc.tuple(fc.constant('typ'), fc.constantFrom('"at+jwt"', '"JWT"', '"Application/AT+JWT"', '5', 'null')),
    fc.tuple(fc.constant('crit'), fc.constantFrom('["b64"]', '[]', '["urn:x"]', '["b64","urn:x"]', '"b64"', '[1]', 'null')),
    fc.tuple(fc.constant('b64'), fc.constantFrom('true', 'false', '"false"', 'null')),
    fc.tuple(fc.constantFrom('__proto__', 'jku', 'x5u'), text),
  );
  const mutation = fc.oneof(
    { weight: 12, arbitrary: fc.constant('none') },
    { weight: 1, arbitrary: fc.constantFrom('flip', 'truncate', 'extend', 'empty', 'zeros', 'other s', 'stranger', 'confused') },
  );
  const headerMembers = fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(headerMember, { minLength: 1, maxLength: 2 }) });
  const ALL: Array<[string, string]> = [['alg', ''], ['kid', ''], ['typ', json('at+jwt')]];
  const keptHeader = fc.oneof({ weight: 4, arbitrary: fc.constant(ALL) }, { weight: 1, arbitrary: fc.subarray(ALL, { minLength: 1 }) });
  const mutate = (how: string, alg: TokenAlgorithm, signature: Buffer): Buffer => {
    switch (how) {
      case 'flip':
        return Buffer.from(signature.map((byte, i) => (i === 0 ? byte ^ 0x80 : byte)));
      case 'truncate':
        return signature.subarray(0, -1);
      case 'extend':
        return Buffer.concat([signature, Buffer.from([1])]);
      case 'empty':
        return Buffer.alloc(0);
      case 'zeros':
        return Buffer.alloc(signature.length);
      case 'other s':
        return alg.startsWith('ES') ? otherS(alg)(signature) : signature;
      default:
        return signature;
    }
  };

  it('gives jose\'s verdict for every token', async () => {
    // What the tokens came to, so that a generator that only ever makes one kind of token fails.
    const verdicts = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(CONFIGS)),
        fc.constantFrom(...SOME_ALGS),
        keptHeader,
        headerMembers,
        payload,
        mutation,
        async (config, alg, kept, extra, body, how) => {
          const key = how === 'stranger' ? (STRANGERS[alg] ?? KEYS[alg]) : how === 'confused' ? confused(KEYS[alg].kid) : KEYS[alg];
          const members = kept.map(([name, value]): [string, string] => [name, name === 'alg' ? json(alg) : name === 'kid' ? json(KEYS[alg].kid) : value]);
          const token = jws(object([...members, ...extra]), body, key, (signature) => mutate(how, alg, signature));
          const verdict = await expectSameVerdict(config, token);
          const kind = 'claims' in verdict ? 'accepted' : verdict.code;
          verdicts.set(kind, (verdicts.get(kind) ?? 0) + 1);
        },
      ),
      { numRuns: 1000 },
    );
    for (const kind of ['accepted', 'ERR_TOKEN_SIGNATURE', 'ERR_TOKEN_MALFORMED', 'ERR_TOKEN_CLAIM', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_ALGORITHM', 'ERR_TOKEN_UNSUPPORTED']) {
      expect(verdicts.get(kind) ?? 0, `${kind} in ${JSON.stringify([...verdicts])}`).toBeGreaterThanOrEqual(3);
    }
  });
});
