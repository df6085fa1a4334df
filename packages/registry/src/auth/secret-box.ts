import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FlockError } from '@flock/core';

/**
 * AES-256-GCM for secrets the registry must be able to read back (an org's
 * store credentials). Format: "v1." + base64url(iv ‖ tag ‖ ciphertext). The
 * org id is bound as additional data, so a ciphertext copied to another org's
 * row does not decrypt.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `source` names where the key came from, for the one-line error: the setting, or the file in the data folder. */
export function parseSecretKey(raw: string, source = 'FLOCK_SECRET_KEY'): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new FlockError('bad_request', `Invalid ${source}: a key must be 32 bytes, as 64 hex characters or base64`);
  return key;
}

export function seal(key: Buffer, plaintext: string, associated: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associated));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

export function open(key: Buffer, sealed: string, associated: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('unknown sealed secret format');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associated));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
