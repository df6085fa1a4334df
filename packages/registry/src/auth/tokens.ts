import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Token format: `flock_` + 32 random base62 characters + 6 base62 characters of
 * the CRC-32 of the random part. The checksum lets a secret scanner (or our own
 * auth) recognise a real token offline without asking the database, as GitHub's
 * tokens do. Only the SHA-256 of the whole token is stored.
 */
const PREFIX = 'flock_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 32;
const CHECK_LENGTH = 6;
const TOKEN_PATTERN = new RegExp(`^${PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECK_LENGTH}}$`);

function base62(value: number, width: number): string {
  let out = '';
  let n = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksumOf(random: string): string {
  return base62(crc32(random), CHECK_LENGTH);
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function mintToken(): string {
  const random = randomBase62(RANDOM_LENGTH);
  return `${PREFIX}${random}${checksumOf(random)}`;
}

/** True when `token` has the shape and checksum of a Flock token (says nothing of whether it exists). */
export function looksLikeToken(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const random = token.slice(PREFIX.length, PREFIX.length + RANDOM_LENGTH);
  return token.slice(PREFIX.length + RANDOM_LENGTH) === checksumOf(random);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
