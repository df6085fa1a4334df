import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from './checkpoint.js';
import { checkCosignatures, createCosigner, parseCosignerKey } from './cosignature.js';
import { createNoteSigner, parseSignedNote, parseVerifierKey, signNote } from './note.js';

const seed = (n: number) => new Uint8Array(32).fill(n);
const text = formatCheckpoint({ origin: 'example.com/log', size: 20852163, hash: new Uint8Array(32).fill(7) });

describe('witness cosignatures (C2SP tlog-cosignature, cosignature/v1)', () => {
  const witness = createCosigner('witness.example.com/w1', seed(1));
  const verifier = parseCosignerKey(witness.verifierKey);

  it('a line carries key hash, 8-byte big-endian time and the signature of "cosignature/v1\\ntime T\\n" + checkpoint', () => {
    const line = witness.cosign(text, 1679315147);
    const { signatures } = parseSignedNote(`${text}\n${line}`);
    expect(signatures).toHaveLength(1);
    const [only] = signatures;
    expect(only!.name).toBe('witness.example.com/w1');
    expect(only!.keyHash).toBe(witness.keyHash);
    expect(only!.signature).toHaveLength(72);
    expect(Buffer.from(only!.signature.subarray(0, 8)).readBigUInt64BE()).toBe(1679315147n);
    expect(verifier.verify(text, only!.signature)).toBe(1679315147);
    // Another text, or another time in the line, does not verify.
    expect(verifier.verify(text.replace('20852163', '20852164'), only!.signature)).toBeNull();
    const moved = Buffer.from(only!.signature);
    moved.writeBigUInt64BE(1679315148n, 0);
    expect(verifier.verify(text, moved)).toBeNull();
  });

  it('witness keys and log keys never stand for each other (the type byte is in the key hash)', () => {
    const log = createNoteSigner('witness.example.com/w1', seed(1));
    expect(log.keyHash).not.toBe(witness.keyHash);
    expect(() => parseCosignerKey(log.verifierKey)).toThrow(/not a cosignature\/v1 Ed25519 key/);
    expect(() => parseVerifierKey(witness.verifierKey)).toThrow(/not an Ed25519 key/);
    const wrongHash = witness.verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(() => parseCosignerKey(wrongHash)).toThrow(/key hash does not match/);
    expect(() => parseCosignerKey('no plus signs')).toThrow(/expected name\+hash\+key/);
  });

  it('checkCosignatures keeps listed witnesses, ignores other keys and refuses a bad line by a listed one', () => {
    const other = createCosigner('other.example/w', seed(2));
    const log = createNoteSigner('example.com/log', seed(3));
    const note = signNote(text, [log]) + witness.cosign(text, 5) + other.cosign(text, 6);
    const checked = checkCosignatures(note, [verifier]);
    expect(checked.checkpoint.size).toBe(20852163);
    expect(checked.cosignatures).toEqual([{ witness: verifier.id, time: 5, line: witness.cosign(text, 5) }]);
    expect(checkCosignatures(note, []).cosignatures).toEqual([]);
    const forged = signNote(text, [log]) + witness.cosign(text.replace('20852163', '1'), 5);
    expect(() => checkCosignatures(forged, [verifier])).toThrow(`The checkpoint's cosignature by ${verifier.id} does not verify`);
  });

  it('only checkpoints are cosigned', () => {
    expect(() => witness.cosign('hello\n', 1)).toThrow(/Malformed checkpoint/);
    expect(() => witness.cosign(text, -1)).toThrow(/whole number of seconds/);
  });
});
