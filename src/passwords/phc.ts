/** An argon2 hash as a PHC string records it: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<digest>`. */
export interface Argon2Phc {
  algorithm: 'argon2d' | 'argon2i' | 'argon2id';
  /** 19 (0x13); 16 (0x10) when the string has no `v=` (argon2 before version 1.3). */
  version: number;
  /** KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  salt: Uint8Array;
  digest: Uint8Array;
}

// Salt and digest are base64 without padding (the PHC string format); a length of 1 mod 4 is no base64.
const PHC = /^\$(argon2id|argon2i|argon2d)(?:\$v=(\d{1,10}))?\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const UINT32_MAX = 0xffff_ffff;

/** Reads an argon2 PHC string; `undefined` when it is not one. */
export function parseArgon2Phc(hash: string): Argon2Phc | undefined {
  const match = PHC.exec(hash);
  if (match === null) return undefined;
  const [, algorithm, version = '16', m, t, p, salt, digest] = match as unknown as [string, Argon2Phc['algorithm'], string | undefined, string, string, string, string, string];
  const numbers = [version, m, t, p].map(Number);
  if (numbers.some((n) => n > UINT32_MAX) || salt.length % 4 === 1 || digest.length % 4 === 1) return undefined;
  const [v, memoryCost, timeCost, parallelism] = numbers as [number, number, number, number];
  return { algorithm, version: v, memoryCost, timeCost, parallelism, salt: fromBase64(salt), digest: fromBase64(digest) };
}

/** The PHC string of an argon2id hash made with version 1.3. */
export function formatArgon2idPhc(params: { memoryCost: number; timeCost: number; parallelism: number }, salt: Uint8Array, digest: Uint8Array): string {
  return `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$${toBase64(salt)}$${toBase64(digest)}`;
}

/** Base64 without padding, as the PHC string format writes salts and digests. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, '');
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
