// What a user who mistyped an option sees at start-up. In plain JavaScript a misspelled option would be
// ignored: `isactive` lets a disabled user in, `expiresin` keeps 30-minute tokens. Every factory refuses an
// unknown name with a TypeError naming it (and the option it most likely meant), and every message names
// what the user wrote, in the function they called, with how to fix it.
import { describe, expect, it } from 'vitest';
import { createGatepass, createTokens, type GatepassOptions } from '../src/index.js';
import { createPasswordHasher } from '../src/password.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const hooks = { verifyCredentials: () => null, resolveUser: () => null };
/** Options as plain JavaScript would pass them: no type stands in the way. */
const js = (options: Record<string, unknown>) => options as unknown as GatepassOptions<unknown>;

describe('unknown option names', () => {
  it.each([
    [{ isactive: () => true }, 'createGatepass: unknown option isactive — did you mean isActive?'],
    [{ expiresin: 60 }, 'createGatepass: unknown option expiresin — did you mean expiresIn?'],
    [{ resolveUsr: () => null }, 'createGatepass: unknown option resolveUsr — did you mean resolveUser?'],
    [{ sopces: {} }, 'createGatepass: unknown option sopces — did you mean scopes?'],
    [{ audiance: 'api' }, 'createGatepass: unknown option audiance — did you mean audience?'],
    [{ database: 'users' }, 'createGatepass: unknown option database'],
  ])('createGatepass refuses %o', (extra, message) => {
    expect(() => createGatepass(js({ ...hooks, secret: SECRET, ...extra }))).toThrow(new TypeError(message));
  });

  it('createGatepass checks the names inside formLimits and tokenLocations too', () => {
    expect(() => createGatepass(js({ ...hooks, secret: SECRET, formLimits: { maxBodybytes: 1 } }))).toThrow(
      new TypeError('createGatepass: formLimits: unknown option maxBodybytes — did you mean maxBodyBytes?'),
    );
    expect(() => createGatepass(js({ ...hooks, secret: SECRET, tokenLocations: { cookies: 'token' } }))).toThrow(
      new TypeError('createGatepass: tokenLocations: unknown option cookies — did you mean cookie?'),
    );
  });

  it('createTokens refuses engine options, which it does not take', () => {
    expect(() => createTokens(js({ secret: SECRET, expiresin: 60 }) as never)).toThrow(
      new TypeError('createTokens: unknown option expiresin — did you mean expiresIn?'),
    );
    expect(() => createTokens(js({ secret: SECRET, resolveUser: () => null }) as never)).toThrow(new TypeError('createTokens: unknown option resolveUser'));
  });

  it('createPasswordHasher refuses a misspelled option', () => {
    expect(() => createPasswordHasher({ memorycost: 1024 } as never)).toThrow(
      new TypeError('createPasswordHasher: unknown option memorycost — did you mean memoryCost?'),
    );
    expect(() => createPasswordHasher({ maxConcurent: 2 } as never)).toThrow(
      new TypeError('createPasswordHasher: unknown option maxConcurent — did you mean maxConcurrent?'),
    );
  });

  it('the option a misspelling stands for really is honoured when spelled right', async () => {
    const users = new Map([['alice', { disabled: true }]]);
    const auth = createGatepass({ ...hooks, secret: SECRET, resolveUser: (c) => users.get(c.sub), isActive: (u) => !u.disabled, expiresIn: 60 });
    const { token, expiresIn } = await auth.tokens.issue('alice');
    expect(expiresIn).toBe(60);
    await expect(auth.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({ code: 'ERR_INACTIVE_USER' });
  });
});

describe('start-up errors name what the user wrote, and how to fix it', () => {
  it('a missing secret, in createGatepass, with `npx gatepass secret`', () => {
    const missing = () => createGatepass(js({ ...hooks, secret: undefined }));
    expect(missing).toThrow(TypeError);
    expect(missing).toThrow(
      'createGatepass: secret is missing — give secret (at least 32 bytes for HS256; `npx gatepass secret` prints one), ' +
        'or privateKey and publicKey with an asymmetric algorithm',
    );
    expect(() => createTokens({})).toThrow(/^createTokens: secret is missing/);
  });

  it('a short secret says how long, for which algorithm, and how to make one', () => {
    expect(() => createGatepass({ ...hooks, secret: 'short' })).toThrow(
      new RangeError('createGatepass: secret must be at least 32 bytes for HS256 (RFC 7518 §3.2); `npx gatepass secret` prints one'),
    );
    expect(() => createGatepass({ ...hooks, secret: SECRET, algorithms: ['HS256', 'HS512'] })).toThrow(
      new RangeError('createGatepass: secret must be at least 64 bytes for HS512 (RFC 7518 §3.2); `npx gatepass secret` prints one'),
    );
  });

  it('a missing or mistyped hook', () => {
    expect(() => createGatepass(js({ secret: SECRET, resolveUser: () => null }))).toThrow(
      new TypeError('createGatepass: verifyCredentials is missing — give the function that checks a username and password at the token endpoint'),
    );
    expect(() => createGatepass(js({ secret: SECRET, verifyCredentials: () => null }))).toThrow(
      new TypeError("createGatepass: resolveUser is missing — give the function that loads the user a token's sub names"),
    );
    expect(() => createGatepass(js({ ...hooks, secret: SECRET, isActive: true }))).toThrow(new TypeError('createGatepass: isActive must be a function'));
  });

  it('the algorithm and key disagree, or the lifetime is no lifetime', () => {
    expect(() => createGatepass({ ...hooks, secret: SECRET, algorithm: 'RS256' })).toThrow(
      new TypeError('createGatepass: algorithm RS256 needs privateKey/publicKey, not secret'),
    );
    expect(() => createGatepass(js({ ...hooks, secret: SECRET, algorithm: 'HS257' }))).toThrow(
      /^createGatepass: algorithm "HS257" is not supported; use one of HS256, /,
    );
    expect(() => createGatepass({ ...hooks, secret: SECRET, expiresIn: -5 })).toThrow(
      new RangeError('createGatepass: expiresIn must be a positive whole number of seconds'),
    );
    expect(() => createGatepass({ ...hooks, secret: SECRET, hookTimeout: 0 })).toThrow(/^createGatepass: hookTimeout must be/);
  });

  it('createPasswordHasher names its option and the values allowed', () => {
    expect(() => createPasswordHasher({ maxConcurrent: 0 })).toThrow(new RangeError('createPasswordHasher: maxConcurrent must be a whole number of at least 1'));
    expect(() => createPasswordHasher({ normalize: 'NFD' as never })).toThrow(new TypeError("createPasswordHasher: normalize must be 'NFKC', 'NFC' or false"));
  });

  it('options that are not an object', () => {
    expect(() => createGatepass(null as never)).toThrow(new TypeError('createGatepass: options must be an object'));
    expect(() => createPasswordHasher('fast' as never)).toThrow(new TypeError('createPasswordHasher: options must be an object'));
  });
});
