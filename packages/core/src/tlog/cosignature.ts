import { sign, verify } from 'node:crypto';
import { FlockError, quote } from '../errors.js';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { SIGNATURE_SIZE, checkKeyName, ed25519KeyPairFromSeed, hex8, keyHash, parseEd25519Key, parseSignedNote, signatureLine } from './note.js';

/**
 * Witness cosignatures as in C2SP tlog-cosignature (cosignature/v1, Ed25519). A witness
 * that checked a checkpoint consistent with every one it saw before signs
 *
 *   "cosignature/v1\ntime <seconds>\n" || <checkpoint text>
 *
 * and its note signature line carries 4-byte key hash || 8-byte big-endian time || signature.
 * Its verifier key is `<name>+<hash>+<base64(0x04 || public key)>`, the hash being the first
 * 4 bytes of SHA-256(name || 0x0A || 0x04 || public key): the type byte keeps a witness key
 * from ever verifying a log's (0x01) signature, and the reverse.
 */

const ALG_COSIGNATURE_V1 = 0x04;

export interface Cosigner {
  readonly name: string;
  readonly keyHash: number;
  /** `name+hash+key` to give the log's operator and its clients. */
  readonly verifierKey: string;
  /** The signature line (ending in a newline) for a checkpoint text, at `time` (seconds since the epoch). */
  cosign(checkpointText: string, time: number): string;
}

export interface CosignatureVerifier {
  readonly name: string;
  readonly keyHash: number;
  /** "name+hash", how the key is named in messages and stored. */
  readonly id: string;
  /** The time the witness signed at, or null when the signature does not verify for this text. */
  verify(checkpointText: string, signature: Uint8Array): number | null;
}


function signedMessage(checkpointText: string, time: number): Buffer {
  if (!Number.isSafeInteger(time) || time < 0) throw new FlockError('bad_request', `A cosignature time must be a whole number of seconds: ${time}`);
  // Only a well-formed checkpoint is ever cosigned: a witness vouches for a tree, not for any text.
  formatCheckpoint(parseCheckpoint(checkpointText));
  return Buffer.from(`cosignature/v1\ntime ${time}\n${checkpointText}`, 'utf8');
}

/** A witness key from a 32-byte seed. */
export function createCosigner(name: string, seed: Uint8Array): Cosigner {
  checkKeyName(name);
  const { privateKey, publicKey } = ed25519KeyPairFromSeed(seed);
  const hash = keyHash(name, publicKey, ALG_COSIGNATURE_V1);
  return {
    name,
    keyHash: hash,
    verifierKey: `${name}+${hex8(hash)}+${Buffer.concat([Uint8Array.of(ALG_COSIGNATURE_V1), publicKey]).toString('base64')}`,
    cosign(checkpointText, time) {
      const message = signedMessage(checkpointText, time);
      const stamp = Buffer.alloc(8);
      stamp.writeBigUInt64BE(BigInt(time));
      const signature = sign(null, message, privateKey);
      return signatureLine(name, hash, Buffer.concat([stamp, signature]));
    },
  };
}

/** Parses a witness verifier key strictly (cosignature/v1 only; the key hash must match). */
export function parseCosignerKey(vkey: unknown): CosignatureVerifier {
  const { name, keyHash: hash, hashText, keyObject } = parseEd25519Key(vkey, ALG_COSIGNATURE_V1, 'witness key');
  return {
    name,
    keyHash: hash,
    id: `${name}+${hashText}`,
    verify(checkpointText, signature) {
      if (signature.length !== 8 + SIGNATURE_SIZE) return null;
      const time = Buffer.from(signature.subarray(0, 8)).readBigUInt64BE();
      if (time > BigInt(Number.MAX_SAFE_INTEGER)) return null;
      const ok = verify(null, signedMessage(checkpointText, Number(time)), keyObject, signature.subarray(8));
      return ok ? Number(time) : null;
    },
  };
}

export interface CheckedCosignature {
  /** "name+hash" of the witness. */
  witness: string;
  time: number;
  /** The note signature line, ending in a newline. */
  line: string;
}

/**
 * The cosignatures in a signed checkpoint note by the given witnesses. Lines by other keys (the
 * log's own, unknown witnesses) are ignored; a line by a known witness that does not verify
 * refuses the note, as a bad signature by a known key refuses any signed note.
 */
export function checkCosignatures(note: string | Uint8Array, witnesses: readonly CosignatureVerifier[]): { checkpoint: Checkpoint; text: string; cosignatures: CheckedCosignature[] } {
  const { text, signatures } = parseSignedNote(note);
  const checkpoint = parseCheckpoint(text);
  const byId = new Map(witnesses.map((w) => [w.id, w]));
  const found = new Map<string, CheckedCosignature>();
  for (const { name, keyHash: hash, signature } of signatures) {
    const witness = byId.get(`${name}+${hex8(hash)}`);
    if (witness === undefined) continue;
    const time = witness.verify(text, signature);
    if (time === null) throw new FlockError('bad_request', `The checkpoint's cosignature by ${witness.id} does not verify`);
    found.set(witness.id, { witness: witness.id, time, line: signatureLine(name, hash, signature) });
  }
  return { checkpoint, text, cosignatures: [...found.values()] };
}
