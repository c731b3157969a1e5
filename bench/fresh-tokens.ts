// Many different tokens of gatepass's own, made faster than `issue` makes them (which would take most of
// a minute for 200,000 on a loaded machine): the header segment of a token gatepass issued, the claims
// it writes in its order, each with its own `jti` so that every token differs, naming user0 … user999
// in turn, signed with HMAC-SHA-256. A sample must pass `tokens.verify` before any is returned.
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { createTokens } from 'gatepass';

/** `count` different HS256 tokens for `secret`, and one token gatepass issued for `user1`. */
export async function freshTokens(secret: string, count: number): Promise<{ tokens: string[]; issued: string }> {
  const verifier = createTokens({ secret });
  const issued = (await verifier.issue('user1')).token;
  const header = issued.slice(0, issued.indexOf('.'));
  const key = createSecretKey(Buffer.from(secret));
  const iat = Math.floor(Date.now() / 1000);
  const tokens = Array.from({ length: count }, (_, i) => {
    const claims = { sub: `user${i % 1000}`, iat, exp: iat + 1800, jti: randomUUID() };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  });
  for (const token of [tokens[0]!, tokens[count - 1]!]) await verifier.verify(token);
  return { tokens, issued };
}
