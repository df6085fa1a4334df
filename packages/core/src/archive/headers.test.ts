import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { paxRecord, rawTar, rawTarGz, type RawEntry } from '../../../../test-support/raw-tar.js';
import { TarHeaderCheck } from './headers.js';
import { packArchive } from './pack.js';
import { inspectArchive, type ArchiveLimits } from './unpack.js';

const limits: ArchiveLimits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxFiles: 100 };
const file = (path: string, text = 'x'): RawEntry => ({ path, body: Buffer.from(text) });
/** A file whose header block gets `write` at `offset`. */
const patched = (offset: number, bytes: string | number[]): RawEntry => ({
  ...file('p/b'),
  patch: (block) => void (typeof bytes === 'string' ? block.write(bytes, offset, 'latin1') : block.set(bytes, offset)),
});
/** A file after a pax header with exactly this body. */
const withPax = (paxBody: string | Buffer): RawEntry => ({ ...file('p/b'), paxBody });

async function refusal(gz: Buffer): Promise<string> {
  const error = await inspectArchive(gz, { limits }).then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ name: 'FlockError', code: 'invalid_archive' });
  const { message } = error as Error;
  expect(message).not.toContain('\n');
  return message;
}

// The second entry's header starts at byte 1024: the first is a header and one block of body.
describe('malformed tar headers are refused, not read leniently', () => {
  it.each([
    ['a size with trailing garbage (node-tar reads "1x" as 1)', patched(124, '0000000001x\0'), 'Archive header at byte 1024 has a malformed size field ("0000000001x")'],
    ['a negative base-256 size', patched(124, Array(12).fill(0xff) as number[]), 'Archive header at byte 1024 has a malformed size field ("ÿÿÿÿÿÿÿÿÿÿÿÿ")'],
    ['an empty size', patched(124, Array(12).fill(0) as number[]), 'Archive header at byte 1024 has a malformed size field ("")'],
    ['a non-octal mode', patched(100, '0000899\0'), 'Archive header at byte 1024 has a malformed mode field ("0000899")'],
    ['a uid after a NUL (GNU tar skips it, Python reads 0)', patched(108, '\x000000001'), 'Archive header at byte 1024 has a malformed uid field ("\\u00000000001")'],
    ['a non-octal mtime', patched(136, '0000000000z\0'), 'Archive header at byte 1024 has a malformed mtime field ("0000000000z")'],
    ['a name with bytes hidden after its NUL', patched(3, '\0evil'), 'Archive header at byte 1024 has a malformed name field (bytes after its end)'],
    ['a name that is not UTF-8', patched(2, [0xff]), 'Archive entry "p/\ufffd" has a name that is not UTF-8'],
    ['a GNU-format header', patched(257, 'ustar  \0'), 'Archive header at byte 1024 is not a POSIX ustar header; pack with the pax format (tar --format=pax)'],
    ['a pre-POSIX header', patched(257, Array(8).fill(0) as number[]), 'Archive header at byte 1024 is not a POSIX ustar header; pack with the pax format (tar --format=pax)'],
    ['bytes in the padding after the prefix', patched(505, '1'), 'Archive header at byte 1024 has a malformed padding (bytes after the prefix)'],
    ['a link target on a file', { ...file('p/b'), linkpath: 'p/a' }, 'Archive entry "p/b" has a link target, but is not a link'],
    ["a file whose name ends in '/' (node-tar makes it a folder)", file('p/b/', ''), 'Archive entry "p/b/" is a file, but its name ends in \'/\''],
    ['a folder with a body (node-tar reads it as headers)', { path: 'p/d/', type: 'Directory', body: Buffer.from('hidden') }, 'Archive entry "p/d/" is a folder with a body'],
    ['an old-style file type', { ...file('p/b'), patch: (block) => void (block[156] = 0) }, 'Archive entry "p/b" has unsupported type "\\u0000"; only files and folders are allowed'],
    ['a GNU long name', { path: '././@LongLink', type: 'NextFileHasLongPath', body: Buffer.from('p/long\0') }, 'Archive entry "././@LongLink" is a GNU long name header; pack with the pax format (tar --format=pax) instead'],
    ['a global pax header', { path: 'p/global', type: 'GlobalExtendedHeader', body: Buffer.from(paxRecord('mtime', '0')) }, 'Archive entry "p/global" is a global pax header, which would change every later entry; Flock archives have none'],
    ['a NUL in a pax path (node-tar cuts it there)', withPax(paxRecord('path', 'p/b\0.exe')), 'Archive pax header at byte 1536 has a NUL byte in "path"'],
    ['a pax record longer than the body', withPax('99 path=p/x\n'), 'Archive pax header at byte 1536 has a record whose length does not match'],
    ['a pax record one byte short', withPax('11 path=p/x\n'), 'Archive pax header at byte 1536 has a record whose length does not match'],
    ['a pax length with a leading zero', withPax('012 path=p/x\n'), 'Archive pax header at byte 1536 has a record without a valid length'],
    ['bytes after the last pax record', withPax(`${paxRecord('path', 'p/x')}junk`), 'Archive pax header at byte 1536 has a record without a valid length'],
    ['a pax record that is not UTF-8', withPax(Buffer.from([...Buffer.from('12 path=p/'), 0xff, 0x0a])), 'Archive pax header at byte 1536 has a record that is not UTF-8 key=value'],
    ['a pax size overriding the header', withPax(paxRecord('size', '0')), 'Archive pax header at byte 1536 has the key "size"; only path, mtime, atime, ctime are allowed'],
    ['a pax linkpath', withPax(paxRecord('linkpath', '/etc/passwd')), 'Archive pax header at byte 1536 has the key "linkpath"; only path, mtime, atime, ctime are allowed'],
    ['a pax path given twice (the last one wins in every reader but Flock)', withPax(paxRecord('path', 'p/x') + paxRecord('path', 'p/y')), 'Archive pax header at byte 1536 has the key "path" twice'],
    ['a negative pax mtime', withPax(paxRecord('mtime', '-1')), 'Archive pax header at byte 1536 has a malformed mtime ("-1")'],
    ['two pax headers for one entry (node-tar merges them)', { ...file('p/b'), paxPath: 'p/x', paxBody: paxRecord('path', 'p/y') }, 'Archive entry "p/x" has two pax headers'],
    ['a pax header describing no entry', { path: 'PaxHeader/b', type: 'ExtendedHeader', body: Buffer.from(paxRecord('path', 'p/z')) }, 'Archive ends with a pax header that describes no entry'],
  ])('refuses %s', async (_what, entry: RawEntry, message) => {
    expect(await refusal(rawTarGz([file('p/a'), entry]))).toBe(message);
  });

  it('refuses entries after a lone zero block, where GNU tar and Python stop reading', async () => {
    const first = rawTar([file('p/a')]);
    // One zero block, then a second tar: node-tar alone would list p/hidden.
    const smuggled = Buffer.concat([first.subarray(0, first.length - 512), rawTar([file('p/hidden')])]);
    expect(await refusal(gzipSync(smuggled))).toBe('Archive has data after the end of the tar');
  });

  it('refuses a folder whose body is a header that node-tar alone would read', async () => {
    const hidden = rawTar([file('p/hidden')]).subarray(0, 1024);
    expect(await refusal(rawTarGz([file('p/a'), { path: 'p/d/', type: 'Directory', body: hidden }]))).toBe('Archive entry "p/d/" is a folder with a body');
  });

  it('reads pax paths whose UTF-8 is split between two chunks of inflated tar', async () => {
    // node-tar decodes a pax body chunk by chunk, so a split 'é' spoiled the record, which it dropped:
    // the entry fell back to its truncated ustar name, and two such names were "the same path twice".
    const folders = Array.from({ length: 63 }, (_, i) => `${'é'.repeat(30)}${String(i).padStart(2, '0')}`).join('/');
    const entries = Array.from({ length: 100 }, (_, i) => ({ path: `${folders}/f${i}`, bytes: Buffer.from('x') }));
    const { files } = await inspectArchive(await packArchive({ root: 'p-1.0.0', entries }), { limits: { ...limits, maxFiles: 1000 } });
    expect(files.map((f) => f.path).sort()).toEqual(entries.map((e) => e.path).sort());
  });

  it('refuses an entry node-tar reads differently from the header that was checked', () => {
    const check = new TarHeaderCheck();
    expect(check.take(rawTar([file('p/a')])).length).toBeGreaterThan(0);
    expect(() => check.confirm({ path: 'p/b', type: 'File', size: 1 })).toThrow('Archive entry "p/a" reads differently in node-tar ("p/b"), so tools could disagree on it');
  });

  it('accepts the pax records honest tools write: a path and fractional times', async () => {
    const gz = rawTarGz([file('p/a'), withPax(paxRecord('path', 'p/é/long') + paxRecord('mtime', '1796092023.963700875') + paxRecord('atime', '0') + paxRecord('ctime', '12'))]);
    expect((await inspectArchive(gz, { limits })).files.map((f) => f.path)).toEqual(['a', 'é/long']);
  });
});
