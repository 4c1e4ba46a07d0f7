// The repository's cryptography, all from node:crypto: AES-256-GCM for every stored object (a
// random 12-byte nonce each time, the object's role and name as associated data so a valid object
// cannot be passed off as another), HMAC-SHA-256 for names, scrypt to turn a passphrase into a key.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const NONCE = 12;
const TAG = 16;
/** What sealing adds to an object's size. */
export const SEAL_OVERHEAD = NONCE + TAG;

export class AuthError extends Error {
  constructor() {
    super('authentication failed');
  }
}

/** nonce ‖ ciphertext ‖ tag of the concatenated parts. */
export function seal(key: Uint8Array, aad: string, ...parts: Uint8Array[]): Buffer {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const out: Buffer[] = [nonce];
  for (const p of parts) out.push(c.update(p));
  out.push(c.final(), c.getAuthTag());
  return Buffer.concat(out);
}

/** The plain bytes, or AuthError when the key is wrong or a byte changed. */
export function unseal(key: Uint8Array, aad: string, sealed: Uint8Array): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new AuthError();
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
  const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, NONCE));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(b.subarray(b.length - TAG));
  try {
    return Buffer.concat([d.update(b.subarray(NONCE, b.length - TAG)), d.final()]);
  } catch {
    throw new AuthError();
  }
}

export function hmacHex(key: Uint8Array, data: Uint8Array | string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/** The default: scrypt at 128 MiB of memory (memory-hard enough that guessing passphrases on GPUs is slow). */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };

export function deriveKey(secret: Uint8Array, salt: Uint8Array, k: KdfParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node refuses above maxmem (32 MiB by default).
  const maxmem = 128 * k.N * k.r * k.p + 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, 32, { N: k.N, r: k.r, p: k.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
