import { FlockError, quote } from '../errors.js';
import { HASH_SIZE, MAX_TREE_SIZE, checkCount, checkHash, type LogHash } from './hash.js';
import { openNote, signNote, type NoteSigner, type NoteVerifier } from './note.js';

/**
 * Checkpoints as in C2SP tlog-checkpoint: a signed note whose text is
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n
 *
 * Extension lines are allowed by the spec but not auditable; this log writes
 * none and refuses any, so one tree has exactly one checkpoint text.
 */

export interface Checkpoint {
  origin: string;
  size: number;
  hash: LogHash;
}

const MAX_ORIGIN_LENGTH = 256;

/** The spec only recommends a URL without spaces or '+' (clients must not assume one); it must be one line. */
function checkOrigin(origin: unknown): asserts origin is string {
  if (typeof origin !== 'string' || origin.length === 0 || origin.length > MAX_ORIGIN_LENGTH || /\p{Cc}/u.test(origin)) {
    throw new FlockError('bad_request', `A log origin must be 1 to ${MAX_ORIGIN_LENGTH} characters without control characters: ${quote(origin)}`);
  }
}

/** The checkpoint's note text. */
export function formatCheckpoint({ origin, size, hash }: Checkpoint): string {
  checkOrigin(origin);
  checkCount(size, 'tree size', 0, MAX_TREE_SIZE);
  checkHash(hash, 'root hash');
  return `${origin}\n${size}\n${Buffer.from(hash).toString('base64')}\n`;
}

/** Parses a checkpoint's note text strictly: three lines, canonical size and hash. */
export function parseCheckpoint(text: unknown): Checkpoint {
  const bad = (why: string) => new FlockError('bad_request', `Malformed checkpoint: ${why}`);
  if (typeof text !== 'string') throw bad('not text');
  if (text.length > MAX_ORIGIN_LENGTH + 100) throw bad('too long');
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[3] !== '') throw bad('expected exactly three lines, each ending with a newline');
  const [origin = '', sizeText = '', hashText = ''] = lines;
  try {
    checkOrigin(origin);
  } catch {
    throw bad(`bad origin ${quote(origin)}`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || Number(sizeText) > MAX_TREE_SIZE) throw bad(`bad tree size ${quote(sizeText)}`);
  const hash = Buffer.from(hashText, 'base64');
  if (hash.length !== HASH_SIZE || hash.toString('base64') !== hashText) throw bad(`bad root hash ${quote(hashText)}`);
  return { origin, size: Number(sizeText), hash };
}

/** A checkpoint as a signed note, ready to serve at <prefix>/checkpoint. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Opens a signed checkpoint with the known keys and checks that it is for the
 * expected origin (a checkpoint of another log signed by the same key is refused).
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[], origin: string): Checkpoint {
  const checkpoint = parseCheckpoint(openNote(note, verifiers).text);
  if (checkpoint.origin !== origin) {
    throw new FlockError('bad_request', `The checkpoint is for log ${quote(checkpoint.origin)}, not ${quote(origin)}`);
  }
  return checkpoint;
}
