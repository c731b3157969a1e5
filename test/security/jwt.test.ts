// JWT attacks (RFC 8725) against GET /me on every adapter over real HTTP: each hostile token gets 401 with
// `Bearer error="invalid_token"` and the error_description that names gatepass's code, a JSON body
// `{"detail":"Could not validate credentials"}`, and nothing else; the few tokens that are hostile-looking but
// genuinely signed (a path-like `kid`, `__proto__` keys) pass without polluting anything.
import { createHmac } from 'node:crypto';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGatepass } from '../../src/index.js';
import { adapters, serve } from '../support/adapters.js';
import type { InvalidTokenCode } from '../support/answers.js';
import { securityEngine } from '../support/engine.js';
import { expectAnswer, expectHealthy, expectInvalidToken, withBearer } from '../support/raw-http.js';
import { SECRET, b64url, claims, hmacToken, joseToken, nonCanonical, now, segments } from '../support/tokens.js';

// ---- Keys -------------------------------------------------------------------------------------------
const rsa = await generateKeyPair('RS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const attackerRsa = await generateKeyPair('RS256', { extractable: true });
const attackerEc = await generateKeyPair('ES256');
const attackerEc384 = await generateKeyPair('ES384');
const rsaPem = await exportSPKI(rsa.publicKey);
const rsaJwk = JSON.stringify(await exportJWK(rsa.publicKey));
const rsaDer = Buffer.from(rsaPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const ecPem = await exportSPKI(ec.publicKey);
const ecJwk = JSON.stringify(await exportJWK(ec.publicKey));
/** The same RSA key material, imported for another algorithm (a WebCrypto key is bound to one). */
const sameKeyFor = async (key: CryptoKey, alg: string): Promise<CryptoKey> => importPKCS8(await exportPKCS8(key), alg);

const ISSUER = 'https://issuer.gatepass.test';
const AUDIENCE = 'api://gatepass-security';
const engines = {
  hs: () => securityEngine().then((e) => e.auth),
  rs: () => securityEngine({ privateKey: rsa.privateKey, publicKey: rsa.publicKey, algorithm: 'RS256' }).then((e) => e.auth),
  es: () => securityEngine({ privateKey: ec.privateKey, publicKey: ec.publicKey, algorithm: 'ES256' }).then((e) => e.auth),
  configured: () =>
    securityEngine({ issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt', maxTokenLength: 2048, algorithms: ['HS256', 'HS384'] }).then(
      (e) => e.auth,
    ),
};

// ---- Tokens -----------------------------------------------------------------------------------------
const HS = { alg: 'HS256', typ: 'JWT' };
const good = hmacToken(HS, claims({ scope: 'me items' }));
const [gh, gp, gs] = segments(good);
const json64 = (value: unknown): string => b64url(typeof value === 'string' ? value : JSON.stringify(value));
const hmacRaw = (input: string, key: string | Uint8Array = SECRET): string => createHmac('sha256', key).update(input).digest('base64url');

/** Claims padded so the payload segment's length leaves unused bits (length not a multiple of 4). */
function oddClaims(): Record<string, unknown> {
  for (let pad = 0; ; pad++) {
    const value = claims({ pad: 'x'.repeat(pad) });
    if (json64(value).length % 4 !== 0) return value;
  }
}
// {"alg":"HS256","kid":"k1"} is 26 bytes: 35 characters, the last one with 2 unused bits.
const oddHeader = { alg: 'HS256', kid: 'k1' };
const odd = hmacToken(oddHeader, oddClaims());
const [oh, op, os] = segments(odd);

/** A correctly signed HS256 token of exactly `length` characters. */
function signedOfLength(length: number): string {
  for (let kid = 0; kid < 4; kid++) {
    for (let pad = 0; pad < length; pad++) {
      const token = hmacToken({ alg: 'HS256', 'x-pad': 'k'.repeat(kid + 1) }, claims({ pad: 'p'.repeat(pad) }));
      if (token.length === length) return token;
      if (token.length > length) break;
    }
  }
  throw new Error(`no token of length ${length}`);
}
const atLimit = signedOfLength(8192);
const overLimit = signedOfLength(8193);

const payloadAt = (first: string, second: string): string => `${first}.${second}`;
const unencodedPayload = (() => {
  const input = `${json64({ alg: 'HS256', b64: false, crit: ['b64'] })}.abc`;
  return `${input}.${hmacRaw(input)}`;
})();

const hsRefused: Array<[string, string, InvalidTokenCode]> = [
  // alg none and the allowlist (RFC 8725 §2.1, §3.1)
  ['alg "none", empty signature', `${json64({ alg: 'none', typ: 'JWT' })}.${gp}.`, 'ERR_TOKEN_ALGORITHM'],
  ['alg "none" carrying a valid HS256 signature', `${json64({ alg: 'none' })}.${gp}.${gs}`, 'ERR_TOKEN_ALGORITHM'],
  ['alg "NONE"', `${json64({ alg: 'NONE' })}.${gp}.`, 'ERR_TOKEN_ALGORITHM'],
  ['alg "nOnE"', `${json64({ alg: 'nOnE' })}.${gp}.`, 'ERR_TOKEN_ALGORITHM'],
  ['HS384 with the right secret (outside the allowlist)', hmacToken({ alg: 'HS384' }, claims()), 'ERR_TOKEN_ALGORITHM'],
  ['HS512 with the right secret (outside the allowlist)', hmacToken({ alg: 'HS512' }, claims()), 'ERR_TOKEN_ALGORITHM'],
  ['RS256 signed by an attacker key', await joseToken(attackerRsa.privateKey, { alg: 'RS256' }), 'ERR_TOKEN_ALGORITHM'],
  ['PS256 signed by an attacker key', await joseToken(await sameKeyFor(attackerRsa.privateKey, 'PS256'), { alg: 'PS256' }), 'ERR_TOKEN_ALGORITHM'],
  ['ES256 signed by an attacker key', await joseToken(attackerEc.privateKey, { alg: 'ES256' }), 'ERR_TOKEN_ALGORITHM'],
  ['no alg header', hmacToken({ typ: 'JWT' }, claims()), 'ERR_TOKEN_MALFORMED'],
  ['a numeric alg', hmacToken({ alg: 256 }, claims()), 'ERR_TOKEN_MALFORMED'],
  // crit (RFC 7515 §4.1.11)
  ['an unknown crit extension', hmacToken({ alg: 'HS256', crit: ['x-acme-bound'], 'x-acme-bound': true }, claims()), 'ERR_TOKEN_UNSUPPORTED'],
  ['an empty crit list', hmacToken({ alg: 'HS256', crit: [] }, claims()), 'ERR_TOKEN_MALFORMED'],
  ['crit b64=false (an unencoded payload)', unencodedPayload, 'ERR_TOKEN_MALFORMED'],
  // kid, jku (RFC 8725 §3.10): a kid is only ever compared with the kids of the app's own key set
  // (never used as a path, a query or a URL), and jku is never followed
  ['a path-like kid signed with an empty key', hmacToken({ alg: 'HS256', kid: '../../../../../../dev/null' }, claims(), ''), 'ERR_TOKEN_KEY_UNKNOWN'],
  ['an SQL-injection kid signed with its own "key"', hmacToken({ alg: 'HS256', kid: "x' UNION SELECT 'k' --" }, claims(), 'k'), 'ERR_TOKEN_KEY_UNKNOWN'],
  ['a 5000-character kid signed with another key', hmacToken({ alg: 'HS256', kid: 'K'.repeat(5000) }, claims(), 'another key'), 'ERR_TOKEN_KEY_UNKNOWN'],
  ['a 9000-character kid (over the size limit)', hmacToken({ alg: 'HS256', kid: 'K'.repeat(9000) }, claims()), 'ERR_TOKEN_TOO_LARGE'],
  // A kid must be a string (RFC 7515 §4.1.4): anything else is not a JWS header, whatever the key
  ['a non-string kid signed with another key', hmacToken({ alg: 'HS256', kid: { $ne: null } }, claims(), 'another key'), 'ERR_TOKEN_MALFORMED'],
  ['a numeric kid signed with the real secret', hmacToken({ alg: 'HS256', kid: 42 }, claims()), 'ERR_TOKEN_MALFORMED'],
  [
    'an attacker jku + kid, RS256',
    await joseToken(attackerRsa.privateKey, { alg: 'RS256', jku: 'https://attacker.example/jwks.json', kid: 'attacker' }),
    'ERR_TOKEN_ALGORITHM',
  ],
  // Time claims (RFC 7519 §4.1.4, §4.1.5, §4.1.6)
  ['expired a minute ago', hmacToken(HS, claims({ iat: now() - 660, exp: now() - 60 })), 'ERR_TOKEN_EXPIRED'],
  ['no exp', hmacToken(HS, { sub: 'johndoe', iat: now() }), 'claim:exp'],
  ['a string exp', hmacToken(HS, claims({ exp: String(now() + 600) })), 'claim:exp'],
  ['not valid before five minutes from now', hmacToken(HS, claims({ nbf: now() + 300 })), 'claim:nbf'],
  ['issued a year in the future', hmacToken(HS, claims({ iat: now() + 365 * 86400, exp: now() + 366 * 86400 })), 'claim:iat'],
  ['issued a minute in the future', hmacToken(HS, claims({ iat: now() + 60 })), 'claim:iat'],
  ['a string iat', hmacToken(HS, claims({ iat: 'yesterday' })), 'claim:iat'],
  // JSON reads these as ±Infinity, which is a number: a token that never expires, or was issued at -∞.
  ['an exp of 1e999', hmacToken(HS, `{"sub":"johndoe","iat":${now()},"exp":1e999}`), 'claim:exp'],
  ['an iat of -1e999', hmacToken(HS, `{"sub":"johndoe","iat":-1e999,"exp":${now() + 600}}`), 'claim:iat'],
  ['an nbf of -1e999', hmacToken(HS, `{"sub":"johndoe","iat":${now()},"nbf":-1e999,"exp":${now() + 600}}`), 'claim:nbf'],
  // sub and scope
  ['no sub', hmacToken(HS, { iat: now(), exp: now() + 600 }), 'claim:sub'],
  ['a numeric sub', hmacToken(HS, claims({ sub: 42 })), 'claim:sub'],
  ['an empty sub', hmacToken(HS, claims({ sub: '' })), 'claim:sub'],
  ['a null sub', hmacToken(HS, claims({ sub: null })), 'claim:sub'],
  ['an object sub naming johndoe', hmacToken(HS, claims({ sub: { username: 'johndoe' } })), 'claim:sub'],
  ['an array sub', hmacToken(HS, claims({ sub: ['johndoe'] })), 'claim:sub'],
  ['an array scope', hmacToken(HS, claims({ scope: ['me', 'items'] })), 'claim:scope'],
  ['a numeric scope', hmacToken(HS, claims({ scope: 1 })), 'claim:scope'],
  ['a sub naming nobody', hmacToken(HS, claims({ sub: 'mallory' })), 'ERR_UNKNOWN_SUBJECT'],
  ['a sub of "__proto__"', hmacToken(HS, claims({ sub: '__proto__' })), 'ERR_UNKNOWN_SUBJECT'],
  ['a sub of "constructor"', hmacToken(HS, claims({ sub: 'constructor' })), 'ERR_UNKNOWN_SUBJECT'],
  // Broken JSON, signed
  ['a payload that is a JSON array', hmacToken(HS, '[{"sub":"johndoe"}]'), 'ERR_TOKEN_MALFORMED'],
  ['a payload that is not JSON', hmacToken(HS, 'sub=johndoe'), 'ERR_TOKEN_MALFORMED'],
  ['a payload that is not UTF-8', (() => {
    const input = `${json64(HS)}.${b64url(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))}`;
    return `${input}.${hmacRaw(input)}`;
  })(), 'ERR_TOKEN_MALFORMED'],
  ['a header that is not JSON', (() => {
    const input = `${b64url('alg=HS256')}.${gp}`;
    return `${input}.${hmacRaw(input)}`;
  })(), 'ERR_TOKEN_MALFORMED'],
  ['a header that is a JSON array', (() => {
    const input = `${b64url('[{"alg":"HS256"}]')}.${gp}`;
    return `${input}.${hmacRaw(input)}`;
  })(), 'ERR_TOKEN_MALFORMED'],
  // Size (checked before any decoding)
  ['8193 characters of one letter', 'A'.repeat(8193), 'ERR_TOKEN_TOO_LARGE'],
  ['8193 characters, correctly signed', overLimit, 'ERR_TOKEN_TOO_LARGE'],
  // Duplicated, swapped and truncated segments
  ['four segments', `${good}.${gs}`, 'ERR_TOKEN_MALFORMED'],
  ['the token twice', `${good}.${good}`, 'ERR_TOKEN_MALFORMED'],
  ['header and payload swapped', `${gp}.${gh}.${gs}`, 'ERR_TOKEN_MALFORMED'],
  ['the header twice', `${gh}.${gh}.${gs}`, 'ERR_TOKEN_SIGNATURE'],
  ['the payload as signature', `${gh}.${gp}.${gp}`, 'ERR_TOKEN_SIGNATURE'],
  ['two segments', payloadAt(gh, gp), 'ERR_TOKEN_MALFORMED'],
  ['an empty signature', `${gh}.${gp}.`, 'ERR_TOKEN_SIGNATURE'],
  ['an empty payload', `${gh}..${gs}`, 'ERR_TOKEN_MALFORMED'],
  ['an empty header', `.${gp}.${gs}`, 'ERR_TOKEN_MALFORMED'],
  ['a signature cut to 41 characters (an impossible length)', `${gh}.${gp}.${gs.slice(0, 41)}`, 'ERR_TOKEN_MALFORMED'],
  ['a signature cut to 40 characters', `${gh}.${gp}.${gs.slice(0, 40)}`, 'ERR_TOKEN_SIGNATURE'],
  ['a header cut short', `${gh.slice(0, -2)}.${gp}.${gs}`, 'ERR_TOKEN_MALFORMED'],
  ['a payload with four characters cut from its middle', `${gh}.${gp.slice(0, 8)}${gp.slice(12)}.${gs}`, 'ERR_TOKEN_SIGNATURE'],
  // Not base64url
  ['a standard-base64 signature (with "=")', `${gh}.${gp}.${Buffer.from(gs, 'base64url').toString('base64')}`, 'ERR_TOKEN_MALFORMED'],
  ['a "+" in the signature', `${gh}.${gp}.+${gs.slice(1)}`, 'ERR_TOKEN_MALFORMED'],
  ['a "/" in the header', `/${gh.slice(1)}.${gp}.${gs}`, 'ERR_TOKEN_MALFORMED'],
  ['a "~" after the signature', `${good}~`, 'ERR_TOKEN_MALFORMED'],
  ['"=" padding after the signature', `${good}=`, 'ERR_TOKEN_MALFORMED'],
  // Non-canonical base64url: the same bytes, spelled another way (RFC 4648 §3.5)
  ['the signature with a trailing bit set', `${oh}.${op}.${nonCanonical(os)}`, 'ERR_TOKEN_MALFORMED'],
  ['the payload with a trailing bit set', `${oh}.${nonCanonical(op)}.${os}`, 'ERR_TOKEN_MALFORMED'],
  ['the header with a trailing bit set', `${nonCanonical(oh)}.${op}.${os}`, 'ERR_TOKEN_MALFORMED'],
];

const rsRefused: Array<[string, string, InvalidTokenCode]> = [
  ['HS256 keyed with the RS256 public key PEM', hmacToken({ alg: 'HS256' }, claims(), rsaPem), 'ERR_TOKEN_ALGORITHM'],
  ['HS256 keyed with the RS256 public JWK', hmacToken({ alg: 'HS256' }, claims(), rsaJwk), 'ERR_TOKEN_ALGORITHM'],
  ['HS256 keyed with the RS256 public key DER', hmacToken({ alg: 'HS256' }, claims(), rsaDer), 'ERR_TOKEN_ALGORITHM'],
  ['HS256 with any secret', hmacToken({ alg: 'HS256' }, claims()), 'ERR_TOKEN_ALGORITHM'],
  ['PS256 signed with the right private key', await joseToken(await sameKeyFor(rsa.privateKey, 'PS256'), { alg: 'PS256' }), 'ERR_TOKEN_ALGORITHM'],
  ['RS512 signed with the right private key', await joseToken(await sameKeyFor(rsa.privateKey, 'RS512'), { alg: 'RS512' }), 'ERR_TOKEN_ALGORITHM'],
  ['alg "none"', `${json64({ alg: 'none' })}.${json64(claims())}.`, 'ERR_TOKEN_ALGORITHM'],
  ['RS256 signed by an attacker key', await joseToken(attackerRsa.privateKey, { alg: 'RS256' }), 'ERR_TOKEN_SIGNATURE'],
  [
    'RS256 with the attacker key embedded as a jwk header',
    await joseToken(attackerRsa.privateKey, { alg: 'RS256', jwk: await exportJWK(attackerRsa.publicKey) }),
    'ERR_TOKEN_SIGNATURE',
  ],
  [
    'RS256 with an attacker jku + kid',
    await joseToken(attackerRsa.privateKey, { alg: 'RS256', jku: 'https://attacker.example/jwks.json', kid: 'attacker' }),
    'ERR_TOKEN_KEY_UNKNOWN',
  ],
];

const zeroSignature = (header: string, payload: string): string => `${header}.${payload}.${b64url(new Uint8Array(64))}`;
const esRefused: Array<[string, string, InvalidTokenCode]> = [
  ['HS256 keyed with the ES256 public key PEM', hmacToken({ alg: 'HS256' }, claims(), ecPem), 'ERR_TOKEN_ALGORITHM'],
  ['HS256 keyed with the ES256 public JWK', hmacToken({ alg: 'HS256' }, claims(), ecJwk), 'ERR_TOKEN_ALGORITHM'],
  ['ES256 with r = s = 0 ("psychic signature")', zeroSignature(json64({ alg: 'ES256' }), json64(claims())), 'ERR_TOKEN_SIGNATURE'],
  ['ES256 signed by an attacker key', await joseToken(attackerEc.privateKey, { alg: 'ES256' }), 'ERR_TOKEN_SIGNATURE'],
  ['ES384 signed by an attacker key', await joseToken(attackerEc384.privateKey, { alg: 'ES384' }), 'ERR_TOKEN_ALGORITHM'],
  ['alg "none"', `${json64({ alg: 'none' })}.${json64(claims())}.`, 'ERR_TOKEN_ALGORITHM'],
];

const AT = { alg: 'HS256', typ: 'at+jwt' };
const configuredClaims = (extra: Record<string, unknown> = {}) => claims({ iss: ISSUER, aud: AUDIENCE, ...extra });
const configuredRefused: Array<[string, string, InvalidTokenCode]> = [
  ['HS512 (outside algorithms: [HS256, HS384])', hmacToken({ alg: 'HS512', typ: 'at+jwt' }, configuredClaims()), 'ERR_TOKEN_ALGORITHM'],
  ['a wrong iss', hmacToken(AT, configuredClaims({ iss: 'https://attacker.example' })), 'claim:iss'],
  ['no iss', hmacToken(AT, configuredClaims({ iss: undefined })), 'claim:iss'],
  ['a wrong aud', hmacToken(AT, configuredClaims({ aud: 'api://other' })), 'claim:aud'],
  ['no aud', hmacToken(AT, configuredClaims({ aud: undefined })), 'claim:aud'],
  ['typ "JWT" instead of "at+jwt"', hmacToken({ alg: 'HS256', typ: 'JWT' }, configuredClaims()), 'claim:typ'],
  ['no typ', hmacToken({ alg: 'HS256' }, configuredClaims()), 'claim:typ'],
  ['2049 characters, correctly signed (maxTokenLength: 2048)', (() => {
    for (let pad = 0; ; pad++) {
      const token = hmacToken(AT, configuredClaims({ pad: 'p'.repeat(pad) }));
      if (token.length > 2048) return token;
    }
  })(), 'ERR_TOKEN_TOO_LARGE'],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('preconditions of the table', () => {
  it('the non-canonical spellings decode to the very bytes of the canonical ones', () => {
    for (const segment of [oh, op, os]) {
      expect(nonCanonical(segment)).not.toBe(segment);
      expect(Buffer.from(nonCanonical(segment), 'base64url').equals(Buffer.from(segment, 'base64url'))).toBe(true);
    }
  });

  it('the boundary tokens are as long as they say', () => {
    expect([atLimit.length, overLimit.length]).toEqual([8192, 8193]);
  });
});

describe('setup refuses keys that would allow algorithm confusion', () => {
  const hooks = { verifyCredentials: () => null, resolveUser: () => null };

  it('an HMAC algorithm next to a key pair, or an asymmetric one next to a secret', () => {
    expect(() => createGatepass({ ...hooks, privateKey: rsa.privateKey, publicKey: rsa.publicKey, algorithm: 'RS256', algorithms: ['RS256', 'HS256'] })).toThrow(
      TypeError,
    );
    expect(() => createGatepass({ ...hooks, secret: rsaPem, algorithm: 'RS256' })).toThrow(TypeError);
    expect(() => createGatepass({ ...hooks, secret: SECRET, algorithms: ['HS256', 'ES256'] })).toThrow(TypeError);
  });

  it('a secret shorter than the hash, or an empty allowlist', () => {
    expect(() => createGatepass({ ...hooks, secret: 'short' })).toThrow(RangeError);
    expect(() => createGatepass({ ...hooks, secret: SECRET.slice(0, 40), algorithm: 'HS384' })).toThrow(RangeError);
    expect(() => createGatepass({ ...hooks, secret: SECRET, algorithms: [] })).toThrow(TypeError);
  });

  it('"none" is refused next to a secret', () => {
    expect(() => createGatepass({ ...hooks, secret: SECRET, algorithm: 'none' as never })).toThrow(TypeError);
  });

  it('"none" is refused at setup next to a key pair too', () => {
    expect(() => createGatepass({ ...hooks, privateKey: rsa.privateKey, publicKey: rsa.publicKey, algorithm: 'RS256', algorithms: ['RS256', 'none' as never] })).toThrow(
      TypeError,
    );
  });
});

describe.each(adapters)('$name', (adapter) => {
  describe('HS256 engine', () => {
    const app = serve(adapter, engines.hs);

    it('accepts the genuine token (baseline)', async () => {
      const res = await withBearer(app(), '/me', good);
      expectAnswer(res, { status: 200, body: { sub: 'johndoe', scopes: ['me', 'items'] } });
    });

    it.each(hsRefused)('refuses %s', async (_name, token, code) => {
      expectInvalidToken(await withBearer(app(), '/me', token), code);
    });

    it('accepts a correctly signed token of exactly 8192 characters, the default maxTokenLength', async () => {
      expectAnswer(await withBearer(app(), '/me', atLimit), { status: 200, body: { sub: 'johndoe', scopes: [] } });
    });

    it('never reaches the crypto for a token over the limit, even a correctly signed one', async () => {
      // The HMAC is node:crypto's where the runtime has it, else WebCrypto's.
      const hmac = vi.spyOn(process.getBuiltinModule('node:crypto'), 'createHmac');
      const verify = vi.spyOn(crypto.subtle, 'verify');
      expectInvalidToken(await withBearer(app(), '/me', overLimit), 'ERR_TOKEN_TOO_LARGE');
      expect([hmac.mock.calls.length, verify.mock.calls.length]).toEqual([0, 0]);
      expectAnswer(await withBearer(app(), '/me', atLimit), { status: 200, body: { sub: 'johndoe', scopes: [] } });
      expect([hmac.mock.calls.length, verify.mock.calls.length]).toEqual([1, 0]);
    });

    it('refuses a kid that names no key of the set, even on a token signed with the real secret (no lookup elsewhere)', async () => {
      const token = hmacToken({ alg: 'HS256', kid: '../../../../../../etc/passwd' }, claims());
      expectInvalidToken(await withBearer(app(), '/me', token), 'ERR_TOKEN_KEY_UNKNOWN');
    });

    it('a "__proto__" claim grants nothing and pollutes nothing', async () => {
      const payload = `{"sub":"johndoe","iat":${now()},"exp":${now() + 600},"__proto__":{"scope":"me items","polluted":"yes"}}`;
      const token = hmacToken(HS, payload);
      expectAnswer(await withBearer(app(), '/me', token), { status: 200, body: { sub: 'johndoe', scopes: [] } });
      expectAnswer(await withBearer(app(), '/scoped', token), {
        status: 403,
        body: { detail: 'Not enough permissions' },
        challenge: 'Bearer error="insufficient_scope", scope="me"',
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).scope).toBeUndefined();
    });

    it('a "constructor.prototype" claim pollutes nothing', async () => {
      const payload = `{"sub":"johndoe","iat":${now()},"exp":${now() + 600},"constructor":{"prototype":{"polluted":"yes"}}}`;
      expectAnswer(await withBearer(app(), '/me', hmacToken(HS, payload)), { status: 200, body: { sub: 'johndoe', scopes: [] } });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a "__proto__" header key smuggles neither crit nor alg', async () => {
      const header = '{"alg":"HS256","__proto__":{"alg":"none","crit":["x-evil"]}}';
      expectAnswer(await withBearer(app(), '/me', hmacToken(header, claims())), { status: 200, body: { sub: 'johndoe', scopes: [] } });
      expect(({} as Record<string, unknown>).crit).toBeUndefined();
    });

    it('is still healthy', async () => {
      await expectHealthy(app());
    });
  });

  describe('RS256 engine', () => {
    const app = serve(adapter, engines.rs);

    it('accepts a genuine RS256 token (baseline)', async () => {
      const token = await joseToken(rsa.privateKey, { alg: 'RS256' }, claims({ scope: 'me' }));
      expectAnswer(await withBearer(app(), '/me', token), { status: 200, body: { sub: 'johndoe', scopes: ['me'] } });
    });

    it.each(rsRefused)('refuses %s', async (_name, token, code) => {
      expectInvalidToken(await withBearer(app(), '/me', token), code);
    });
  });

  describe('ES256 engine', () => {
    const app = serve(adapter, engines.es);

    it('accepts a genuine ES256 token (baseline)', async () => {
      const token = await joseToken(ec.privateKey, { alg: 'ES256' });
      expectAnswer(await withBearer(app(), '/me', token), { status: 200, body: { sub: 'johndoe', scopes: [] } });
    });

    it.each(esRefused)('refuses %s', async (_name, token, code) => {
      expectInvalidToken(await withBearer(app(), '/me', token), code);
    });
  });

  describe('engine with issuer, audience, typ, maxTokenLength 2048 and algorithms [HS256, HS384]', () => {
    const app = serve(adapter, engines.configured);

    it('accepts HS256 and HS384 tokens with the right iss, aud and typ (baseline)', async () => {
      const body = { sub: 'johndoe', scopes: [] };
      expectAnswer(await withBearer(app(), '/me', hmacToken(AT, configuredClaims())), { status: 200, body });
      expectAnswer(await withBearer(app(), '/me', hmacToken({ alg: 'HS384', typ: 'at+jwt' }, configuredClaims())), { status: 200, body });
    });

    it.each(configuredRefused)('refuses %s', async (_name, token, code) => {
      expectInvalidToken(await withBearer(app(), '/me', token), code);
    });
  });
});
