import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../../../test-support/refusal.js';
import { FlockError } from '../errors.js';
import {
  MAX_NOTE_SIGNATURES,
  MAX_SIGNED_NOTE_SIZE,
  createNoteSigner,
  ed25519KeyPairFromSeed,
  formatVerifierKey,
  openNote,
  parseSignedNote,
  parseVerifierKey,
  signNote,
} from './note.js';

// Known answers (data only) from Go's golang.org/x/mod/sumdb/note note_test.go: a
// key pair (the private key string is base64(0x01 || 32-byte Ed25519 seed)), a
// second public key, and the notes they signed.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const PETER_SEED = Buffer.from(PETER_SKEY.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length), 'base64').subarray(1);

describe('keys', () => {
  it('derives the RFC 8032 test 1 public key from its seed, the same every time', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const want = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    expect(ed25519KeyPairFromSeed(seed).publicKey.toString('hex')).toBe(want);
    expect(ed25519KeyPairFromSeed(Buffer.from(seed)).publicKey.toString('hex')).toBe(want);
  });

  it("derives Go's PeterNeumann key from its seed: same verifier key, same key hash", () => {
    const signer = createNoteSigner('PeterNeumann', PETER_SEED);
    expect(signer.verifierKey).toBe(PETER_VKEY);
    expect(signer.keyHash).toBe(0xc74f20a3);
    const { publicKey } = ed25519KeyPairFromSeed(PETER_SEED);
    expect(formatVerifierKey('PeterNeumann', publicKey)).toBe(PETER_VKEY);
    expect(parseVerifierKey(PETER_VKEY)).toMatchObject({ name: 'PeterNeumann', keyHash: 0xc74f20a3 });
  });

  it('refuses every proper substring and every one-character change of a verifier key', () => {
    const accepted: string[] = [];
    const tryKey = (vkey: string) => {
      try {
        parseVerifierKey(vkey);
        accepted.push(vkey);
      } catch (error) {
        if (!(error instanceof FlockError) || error.message.includes('\n')) throw error;
      }
    };
    for (let i = 0; i < PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) if (i !== 0 || j !== PETER_VKEY.length) tryKey(PETER_VKEY.slice(i, j));
      tryKey(PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1));
    }
    expect(accepted).toEqual([]);
  });

  it.each([
    ['a name with a space', () => createNoteSigner('a b', randomBytes(32)), "A note key name must be 1 to 256 characters without spaces, '+' or control characters"],
    ['a name with a plus', () => createNoteSigner('a+b', randomBytes(32)), 'A note key name must be'],
    ['a name with a newline', () => createNoteSigner('a\nb', randomBytes(32)), 'A note key name must be'],
    ['an empty name', () => createNoteSigner('', randomBytes(32)), 'A note key name must be'],
    ['a short seed', () => createNoteSigner('log', randomBytes(31)), 'An Ed25519 seed must be 32 bytes'],
    ['a key of another algorithm', () => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'not an Ed25519 key'],
    ['a key of the wrong length', () => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), 'not an Ed25519 key'],
    ['a key hash in upper case', () => parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'the key hash must be 8 lowercase hex digits'],
  ])('refuses %s', (_what, call, message) => {
    expect(refusal(call)).toContain(message);
  });
});

describe('signing and opening notes', () => {
  const peter = () => parseVerifierKey(PETER_VKEY);
  const enoch = () => parseVerifierKey(ENOCH_VKEY);

  it("signs exactly as Go's sumdb/note does (Ed25519 signatures are deterministic)", () => {
    expect(signNote(TEXT, [createNoteSigner('PeterNeumann', PETER_SEED)])).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it("opens Go's note: known keys verify, unknown keys are ignored", () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(openNote(note, [peter()])).toEqual({ text: TEXT, signedBy: [{ name: 'PeterNeumann', keyHash: 0xc74f20a3 }] });
    expect(openNote(Buffer.from(note), [peter(), enoch()]).signedBy.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(parseSignedNote(note).signatures.map((s) => [s.name, s.keyHash, s.signature.length])).toEqual([
      ['PeterNeumann', 0xc74f20a3, 64],
      ['EnochRoot', 0xaf0cfe78, 64],
    ]);
  });

  it('round-trips a note signed by two fresh keys, text with blank lines and Unicode included', () => {
    const [log, witness] = [createNoteSigner('flock.example/log', randomBytes(32)), createNoteSigner('witness.example/w1', randomBytes(32))];
    const text = 'flock.example/log\n\nsecond paragraph — “quoted”\n';
    const note = signNote(text, [log, witness]);
    const opened = openNote(note, [parseVerifierKey(witness.verifierKey)]);
    expect(opened).toEqual({ text, signedBy: [{ name: witness.name, keyHash: witness.keyHash }] });
  });

  it('refuses a modified body, a bad signature by a known key, and a note signed only by unknown keys', () => {
    const signer = createNoteSigner('flock.example/log', randomBytes(32));
    const verifier = parseVerifierKey(signer.verifierKey);
    const note = signNote('flock.example/log\n7\n', [signer]);
    expect(refusal(() => openNote(note.replace('\n7\n', '\n8\n'), [verifier]))).toBe(`The note's signature by ${signer.name}+${signer.keyHash.toString(16).padStart(8, '0')} does not verify`);
    // Another key under the same name: a different key hash, so an unknown signer.
    const impostor = createNoteSigner('flock.example/log', randomBytes(32));
    expect(refusal(() => openNote(signNote('flock.example/log\n7\n', [impostor]), [verifier]))).toContain('The note has no signature by a known key (known: flock.example/log+');
    // The impostor's signature under the real key's name and hash: a known key whose signature fails.
    const forged = signNote('flock.example/log\n7\n', [{ ...impostor, name: signer.name, keyHash: signer.keyHash }]);
    expect(refusal(() => openNote(forged, [verifier]))).toContain('does not verify');
    expect(refusal(() => openNote(`${TEXT}\n${PETER_SIG}`, [verifier]))).toContain('The note has no signature by a known key');
    expect(refusal(() => openNote(`${TEXT}\n${PETER_SIG}`, []))).toBe('The note has no signature by a known key (known: none)');
  });

  it('refuses two verifiers with the same name and key hash', () => {
    expect(refusal(() => openNote(`${TEXT}\n${PETER_SIG}`, [peter(), peter()]))).toBe('Two note verifier keys are both PeterNeumann+c74f20a3');
  });

  // The malformed notes of Go's note_test.go, and more.
  it.each([
    ['no signatures', TEXT, 'no blank line before the signatures'],
    ['a blank line and no signatures', `${TEXT}\n`, 'the last signature line must end with a newline'],
    ['a signature line without a newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`, 'the last signature line must end with a newline'],
    ['a control character', `\u0001${TEXT}\n${PETER_SIG}`, 'control characters other than newline'],
    ['a carriage return', `${TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`, 'control characters other than newline'],
    ['a key name with a space', `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'bad signature for key "Bad"'],
    ['a line that is not a signature', `${TEXT}\n${PETER_SIG}Unexpected line.\n`, 'a signature line must start with an em dash and a space'],
    ['a signature of four bytes', `${TEXT}\n— PeterNeumann x08go/==\n`, 'bad signature for key "PeterNeumann"'],
    ['non-canonical base64', `${TEXT}\n${PETER_SIG.replace('AM=', 'AN=')}`, 'bad signature for key "PeterNeumann"'],
    ['an empty key name', `${TEXT}\n—  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'bad key name in a signature line'],
    ['too many signatures', `${TEXT}\n${PETER_SIG.repeat(MAX_NOTE_SIGNATURES + 1)}`, `more than ${MAX_NOTE_SIGNATURES} signatures`],
    ['an empty text', `\n${PETER_SIG}`, 'no blank line before the signatures'],
  ])('refuses a note with %s', (_what, note, why) => {
    expect(refusal(() => openNote(note, [peter()]))).toBe(`Malformed signed note: ${why}`);
  });

  it('refuses invalid UTF-8 and an overlong note before parsing it', () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]);
    expect(refusal(() => openNote(bytes, [peter()]))).toBe('Malformed signed note: not valid UTF-8');
    const huge = `${'a'.repeat(MAX_SIGNED_NOTE_SIZE)}\n\n${PETER_SIG}`;
    expect(refusal(() => openNote(huge, [peter()]))).toBe(`Malformed signed note: larger than ${MAX_SIGNED_NOTE_SIZE} bytes`);
    // Limits count bytes: 400,000 three-byte characters are over 1 MiB.
    expect(refusal(() => parseSignedNote(`${'€'.repeat(400_000)}\n\n${PETER_SIG}`))).toContain('larger than');
  });

  it('refuses to sign a text that could not be opened again', () => {
    const signer = createNoteSigner('log', randomBytes(32));
    expect(refusal(() => signNote('no newline', [signer]))).toBe('Malformed signed note: the text must end with a newline');
    expect(refusal(() => signNote('tab\there\n', [signer]))).toBe('Malformed signed note: control characters other than newline');
    expect(refusal(() => signNote('lone \ud800 surrogate\n', [signer]))).toBe('Malformed signed note: not valid Unicode');
    expect(refusal(() => signNote('text\n', []))).toBe('Signing a note needs at least one signer');
  });
});
