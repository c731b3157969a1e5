// RFC 6749 §3.3 (access token scope) and RFC 6750 §3.1 (insufficient_scope).
import { describe, expect, it } from 'vitest';
import { BearerError, TokenRequestError, grantScopes, parseScope, requireScopes } from '../src/index.js';

const declared = { me: 'Read information about the current user.', items: 'Read items.' };

describe('parseScope', () => {
  it('splits on spaces, keeps order, drops duplicates and empty runs', () => {
    expect(parseScope('items  me items ')).toEqual(['items', 'me']);
    expect(parseScope('')).toEqual([]);
    expect(parseScope(undefined)).toEqual([]);
  });

  it('accepts every character of the scope-token grammar', () => {
    const all = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(parseScope(all)).toEqual([all]);
  });

  it.each(['a\tb', 'a"b', 'a\\b', 'é', 'a\u0000', 'a\nb'])('refuses %j with invalid_scope', (value) => {
    expect(() => parseScope(value)).toThrow(TokenRequestError);
    try {
      parseScope(value);
    } catch (err) {
      expect((err as TokenRequestError).code).toBe('ERR_INVALID_SCOPE');
    }
  });
});

describe('grantScopes', () => {
  it('grants requested scopes the user may hold and drops the others', () => {
    expect(grantScopes(['me', 'items'], declared, ['me'])).toEqual(['me']);
    expect(grantScopes(['me', 'items'], declared)).toEqual(['me', 'items']);
    expect(grantScopes([], declared, ['me'])).toEqual([]);
  });

  it('refuses an undeclared scope, including inherited object keys', () => {
    for (const scope of ['admin', 'toString', '__proto__', 'constructor']) {
      expect(() => grantScopes([scope], declared, [scope])).toThrow(TokenRequestError);
    }
  });
});

describe('requireScopes', () => {
  it('passes when every needed scope is held', () => {
    expect(() => requireScopes(['me', 'items'], ['items', 'me'])).not.toThrow();
    expect(() => requireScopes([], [])).not.toThrow();
  });

  it('answers 403 insufficient_scope naming every needed scope', () => {
    let caught: unknown;
    try {
      requireScopes(['me'], ['me', 'items']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BearerError);
    const err = caught as BearerError;
    expect([err.code, err.status]).toEqual(['ERR_INSUFFICIENT_SCOPE', 403]);
    expect(err.headers).toEqual({ 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="me items"' });
  });
});
