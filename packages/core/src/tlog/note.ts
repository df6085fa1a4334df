import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { FlockError, quote } from '../errors.js';

/**
 * Signed notes as in C2SP signed-note (Go's golang.org/x/mod/sumdb/note), with
 * Ed25519 keys only:
 *
 *   <text ending in a newline>
 *   <blank line>
 *   — <key name> <base64(4-byte key hash || signature)>      (one line per signature)
 *
 * The key hash is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public
 * key); a verifier key is written `<name>+<hex key hash>+<base64(0x01 || public key)>`.
 */

export const MAX_SIGNED_NOTE_SIZE = 1024 * 1024;
export const MAX_NOTE_SIGNATURES = 100;
const MAX_KEY_NAME_LENGTH = 256;
const ALG_ED25519 = 0x01;
const SEED_SIZE = 32;
export const SIGNATURE_SIZE = 64;
const DASH = '\u2014 ';

/** Can sign note texts as one named key. */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  /** The verifier key (`name+hash+key`) to publish so others can check these signatures. */
  readonly verifierKey: string;
  sign(message: Uint8Array): Uint8Array;
}

/** Can check one named key's signatures. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** A signature line, not yet checked. */
export interface NoteSignature {
  name: string;
  keyHash: number;
  signature: Uint8Array;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

/** The text of a note that a known key signed, and which known keys did. */
export interface OpenedNote {
  text: string;
  signedBy: Array<{ name: string; keyHash: number }>;
}

function malformed(why: string): FlockError {
  return new FlockError('bad_request', `Malformed signed note: ${why}`);
}

/** Key names: non-empty, no Unicode space, '+', or control character. */
export function checkKeyName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_KEY_NAME_LENGTH || /[\s+\p{Cc}]/u.test(name)) {
    throw new FlockError('bad_request', `A note key name must be 1 to ${MAX_KEY_NAME_LENGTH} characters without spaces, '+' or control characters: ${quote(name)}`);
  }
}

/** The 4-byte key hash of a signed-note key: SHA-256(name || 0x0A || type || public key), first 4 bytes. */
export function keyHash(name: string, publicKey: Uint8Array, type = ALG_ED25519): number {
  const digest = createHash('sha256').update(name).update(Uint8Array.of(0x0a, type)).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

export function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// DER wrappings of raw Ed25519 keys (RFC 8410): node:crypto imports keys only in a container format.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The Ed25519 key pair of a 32-byte seed (RFC 8032's private key). The same seed
 * always gives the same keys, so the registry can derive its log key from its
 * secret key material instead of storing another secret.
 */
export function ed25519KeyPairFromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: Buffer } {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_SIZE) {
    throw new FlockError('bad_request', `An Ed25519 seed must be ${SEED_SIZE} bytes`);
  }
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.subarray(SPKI_ED25519_PREFIX.length) };
}

/** `<name>+<hex key hash>+<base64(0x01 || public key)>` for a raw 32-byte Ed25519 public key. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  if (publicKey.length !== 32) throw new FlockError('bad_request', 'An Ed25519 public key must be 32 bytes');
  const encoded = Buffer.concat([Uint8Array.of(ALG_ED25519), publicKey]).toString('base64');
  return `${name}+${hex8(keyHash(name, publicKey))}+${encoded}`;
}

/** A note signer for `name` whose Ed25519 key comes from a 32-byte seed. */
export function createNoteSigner(name: string, seed: Uint8Array): NoteSigner {
  checkKeyName(name);
  const { privateKey, publicKey } = ed25519KeyPairFromSeed(seed);
  return {
    name,
    keyHash: keyHash(name, publicKey),
    verifierKey: formatVerifierKey(name, publicKey),
    sign: (message) => sign(null, message, privateKey),
  };
}

/** An Ed25519 verifier key `name+hash+base64(type || key)` of the given type byte, parsed strictly (the hash must match). */
export function parseEd25519Key(vkey: unknown, type: number, what: string): { name: string; keyHash: number; hashText: string; keyObject: KeyObject } {
  const bad = (why: string) => new FlockError('bad_request', `Not a ${what}: ${quote(vkey)} (${why})`);
  if (typeof vkey !== 'string' || vkey.length > MAX_KEY_NAME_LENGTH + 100) throw bad('expected name+hash+key');
  // The key is base64 and may itself contain '+': split at the first two only.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey);
  if (!match) throw bad('expected name+hash+key');
  const [, name = '', hashText = '', keyText = ''] = match;
  try {
    checkKeyName(name);
  } catch {
    throw bad('bad key name');
  }
  if (!/^[0-9a-f]{8}$/.test(hashText)) throw bad('the key hash must be 8 lowercase hex digits');
  const key = decodeBase64(keyText);
  if (key === undefined || key.length !== 1 + 32 || key[0] !== type) throw bad(type === ALG_ED25519 ? 'not an Ed25519 key' : 'not a cosignature/v1 Ed25519 key');
  const publicKey = key.subarray(1);
  const hash = keyHash(name, publicKey, type);
  if (hex8(hash) !== hashText) throw bad('the key hash does not match the key');
  try {
    return { name, keyHash: hash, hashText, keyObject: createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' }) };
  } catch {
    throw bad('not an Ed25519 key');
  }
}

/** Parses a verifier key string strictly (Ed25519 only; the key hash must match). */
export function parseVerifierKey(vkey: unknown): NoteVerifier {
  const { name, keyHash: hash, keyObject } = parseEd25519Key(vkey, ALG_ED25519, 'note verifier key');
  return {
    name,
    keyHash: hash,
    verify: (message, signature) => signature.length === SIGNATURE_SIZE && verify(null, message, keyObject, signature),
  };
}

/** Standard base64 in canonical form only (so one signature has one spelling), or undefined. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** A note text: valid, non-empty, ends with a newline, no control characters but newlines. */
function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw malformed('the text must end with a newline');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw malformed('control characters other than newline');
  // A lone surrogate cannot be encoded as UTF-8 (it would be signed as U+FFFD).
  if (Buffer.from(text, 'utf8').toString('utf8') !== text) throw malformed('not valid Unicode');
}

/** One signature line: `— <name> base64(4-byte key hash || signature bytes)`, ending in a newline. */
export function signatureLine(name: string, keyHash: number, signature: Uint8Array): string {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(keyHash);
  return `${DASH}${name} ${Buffer.concat([head, signature]).toString('base64')}\n`;
}

/** Signs a note text with each signer; the text must end with a newline. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (signers.length === 0) throw new FlockError('bad_request', 'Signing a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  const lines = signers.map((signer) => {
    checkKeyName(signer.name);
    return signatureLine(signer.name, signer.keyHash, signer.sign(message));
  });
  const note = `${text}\n${lines.join('')}`;
  if (Buffer.byteLength(note) > MAX_SIGNED_NOTE_SIZE) throw new FlockError('too_large', `A signed note may be at most ${MAX_SIGNED_NOTE_SIZE} bytes`);
  return note;
}

/** Splits a signed note into its text and signature lines, without checking any signature. */
export function parseSignedNote(raw: string | Uint8Array): ParsedNote {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_SIGNED_NOTE_SIZE) throw malformed(`larger than ${MAX_SIGNED_NOTE_SIZE} bytes`);
  let note: string;
  try {
    note = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw malformed('not valid UTF-8');
  }
  // The text ends at the last blank line; everything after it is signature lines.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('the last signature line must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => parseSignatureLine(line));
  return { text, signatures };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(DASH)) throw malformed('a signature line must start with an em dash and a space');
  const rest = line.slice(DASH.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  if (space < 1 || /[\s+\p{Cc}]/u.test(name)) throw malformed('bad key name in a signature line');
  const bytes = decodeBase64(rest.slice(space + 1));
  if (bytes === undefined || bytes.length < 5) throw malformed(`bad signature for key ${quote(name)}`);
  return { name, keyHash: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
}

/**
 * Verifies a signed note against known keys: signatures by unknown keys are
 * ignored, a bad signature by a known key refuses the note, and at least one
 * known key must have signed it. Returns the text only then.
 */
export function openNote(raw: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const known = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const id = `${verifier.name}+${hex8(verifier.keyHash)}`;
    if (known.has(id)) throw new FlockError('bad_request', `Two note verifier keys are both ${id}`);
    known.set(id, verifier);
  }
  const { text, signatures } = parseSignedNote(raw);
  const message = Buffer.from(text, 'utf8');
  const signedBy = new Map<string, { name: string; keyHash: number }>();
  for (const { name, keyHash: hash, signature } of signatures) {
    const id = `${name}+${hex8(hash)}`;
    const verifier = known.get(id);
    if (verifier === undefined) continue;
    if (!verifier.verify(message, signature)) throw new FlockError('bad_request', `The note's signature by ${id} does not verify`);
    signedBy.set(id, { name, keyHash: hash });
  }
  if (signedBy.size === 0) {
    throw new FlockError('bad_request', `The note has no signature by a known key (known: ${[...known.keys()].join(', ') || 'none'})`);
  }
  return { text, signedBy: [...signedBy.values()] };
}
