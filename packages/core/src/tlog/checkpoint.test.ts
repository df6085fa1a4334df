import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../../../test-support/refusal.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
import { MAX_TREE_SIZE, emptyTreeHash, leafHash } from './hash.js';
import { createNoteSigner, parseVerifierKey } from './note.js';

// Known answer (data only) from Go's golang.org/x/mod/sumdb/tlog note_test.go: the
// tree head of size 123456789012 whose hash is the record hash of "hello world".
const GO_TREE = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';

describe('checkpoint text (C2SP tlog-checkpoint)', () => {
  it("formats and parses Go's tree head", () => {
    const hash = leafHash(Buffer.from('hello world'));
    expect(formatCheckpoint({ origin: 'go.sum database tree', size: 123456789012, hash })).toBe(GO_TREE);
    expect(parseCheckpoint(GO_TREE)).toEqual({ origin: 'go.sum database tree', size: 123456789012, hash });
  });

  it('formats the empty tree', () => {
    expect(formatCheckpoint({ origin: 'flock.example/log', size: 0, hash: emptyTreeHash() })).toBe('flock.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n');
  });

  it.each([
    ['an origin with a control character', GO_TREE.replace(' ', '\t'), 'Malformed checkpoint: bad origin "go.sum\\tdatabase tree"'],
    ['Go junk after the tree head', `${GO_TREE}JOE\n`, 'expected exactly three lines'],
    ['a hex size', GO_TREE.replace('123456789012', '0xabcdef'), 'bad tree size "0xabcdef"'],
    ['a size with a leading zero', GO_TREE.replace('123456789012', '0123'), 'bad tree size "0123"'],
    ['a size past the limit', `go.sum\n${MAX_TREE_SIZE + 1}\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n`, 'bad tree size'],
    ['a negative size', 'go.sum\n-1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n', 'bad tree size "-1"'],
    ['a bad hash', 'go.sum\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n', 'bad root hash'],
    ['a short hash', 'go.sum\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40Hmuw\n', 'bad root hash'],
    ['an extension line', 'go.sum\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\nextra\n', 'expected exactly three lines'],
    ['no final newline', 'go.sum\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=', 'expected exactly three lines'],
    ['an empty origin', '\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n', 'bad origin ""'],
    ['a long text', `${'a'.repeat(10_000)}\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n`, 'too long'],
  ])('refuses %s', (_what, text, message) => {
    expect(refusal(() => parseCheckpoint(text))).toContain(message);
  });
});

describe('signed checkpoints', () => {
  const origin = 'registry.example/log';
  const signer = createNoteSigner(origin, randomBytes(32));
  const verifier = parseVerifierKey(signer.verifierKey);
  const checkpoint = { origin, size: 42, hash: leafHash(Buffer.from('x')) };

  it('signs and opens a checkpoint', () => {
    const note = signCheckpoint(checkpoint, [signer]);
    expect(note.startsWith(`${origin}\n42\n`)).toBe(true);
    expect(note).toMatch(/\n\n— registry\.example\/log [A-Za-z0-9+/]+=*\n$/);
    expect(openCheckpoint(note, [verifier], origin)).toEqual(checkpoint);
  });

  it('refuses a checkpoint of another log, even under a trusted key', () => {
    const other = signCheckpoint({ ...checkpoint, origin: 'other.example/log' }, [signer]);
    expect(refusal(() => openCheckpoint(other, [verifier], origin))).toBe('The checkpoint is for log "other.example/log", not "registry.example/log"');
  });

  it('refuses a checkpoint whose size was changed after signing', () => {
    const note = signCheckpoint(checkpoint, [signer]).replace('\n42\n', '\n43\n');
    expect(refusal(() => openCheckpoint(note, [verifier], origin))).toContain('does not verify');
  });
});
