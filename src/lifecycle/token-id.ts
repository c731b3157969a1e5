/**
 * A token's identity for revocation: the SHA-256 of its signing input (header and payload as sent),
 * base64url. Not the signature, which some algorithms let anyone re-spell (ECDSA's `s` and `n - s`
 * both verify), so another spelling of the same signed token keeps its identity; and not `jti`, which
 * tokens of other issuers may lack.
 */
export async function tokenId(token: string): Promise<string> {
  const signingInput = token.slice(0, token.lastIndexOf('.'));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(signingInput)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
