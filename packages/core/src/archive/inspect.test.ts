import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rawTar, rawTarGz as tarGz, type RawEntry } from '../../../../test-support/raw-tar.js';
import { quote } from '../errors.js';
import { packArchive } from './pack.js';
import { inspectArchive, type ArchiveLimits } from './unpack.js';

const limits: ArchiveLimits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxFiles: 100 };

const file = (path: string, text = 'x'): RawEntry => ({ path, body: Buffer.from(text) });

async function refusal(bytes: Uint8Array, overrides: Partial<ArchiveLimits> = {}): Promise<{ code: string; message: string }> {
  const error: unknown = await inspectArchive(bytes, { limits: { ...limits, ...overrides } }).then(
    () => { throw new Error('expected inspectArchive to refuse the archive'); },
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ name: 'FlockError' });
  const { code, message } = error as { code: string; message: string };
  expect(message).not.toContain('\n');
  return { code, message };
}

describe('inspectArchive', () => {
  it('lists a packed archive with paths, sizes, executable flags and kept contents', async () => {
    const gz = await packArchive({
      root: 'palette-0.1.0',
      entries: [
        { path: 'flock.toml', bytes: Buffer.from('[package]\n') },
        { path: 'bin/run', bytes: Buffer.from('#!/bin/sh\n'), executable: true },
        { path: 'src/lib.kes', bytes: Buffer.alloc(2000, 7) },
        { path: 'README.md', bytes: Buffer.alloc(0) },
      ],
    });
    const keep = (path: string): boolean => path === 'flock.toml' || path === 'README.md';
    const { root, files, contents } = await inspectArchive(gz, { limits, keep });
    expect(root).toBe('palette-0.1.0');
    expect(files).toEqual([
      { path: 'README.md', size: 0, executable: false },
      { path: 'bin/run', size: 10, executable: true },
      { path: 'flock.toml', size: 10, executable: false },
      { path: 'src/lib.kes', size: 2000, executable: false },
    ]);
    expect([...contents.keys()].sort()).toEqual(['README.md', 'flock.toml']);
    expect(contents.get('flock.toml')?.toString()).toBe('[package]\n');
    expect(contents.get('README.md')?.length).toBe(0);
  });

  it('keeps no contents unless asked, and accepts tars made by other tools', async () => {
    // No folder entries at all, as some tools write them.
    const gz = tarGz([file('pkg-1.0.0/a.txt', 'hello'), file('pkg-1.0.0/b/c.txt')]);
    const { root, files, contents } = await inspectArchive(gz, { limits });
    expect(root).toBe('pkg-1.0.0');
    expect(files.map((f) => f.path)).toEqual(['a.txt', 'b/c.txt']);
    expect(contents.size).toBe(0);
  });

  it('refuses bytes that are not gzip', async () => {
    expect(await refusal(Buffer.from('hello, not an archive'))).toEqual({
      code: 'invalid_archive',
      message: 'Archive is not a gzip-compressed tar',
    });
    expect((await refusal(rawTar([file('p/a')]))).code).toBe('invalid_archive');
    expect((await refusal(new Uint8Array(0))).code).toBe('invalid_archive');
  });

  it('refuses gzip that is not a tar, corrupt gzip, a gzip inside the gzip and a truncated tar', async () => {
    const notTar = await refusal(gzipSync(Buffer.alloc(4096, 'not a tar ')));
    expect(notTar).toEqual({ code: 'invalid_archive', message: 'Archive is not a gzip-compressed tar' });
    expect((await refusal(gzipSync(Buffer.from('tiny')))).code).toBe('invalid_archive');
    const good = tarGz([file('p/a', 'a'.repeat(3000))]);
    const corrupt = Buffer.from(good);
    corrupt.fill(0x55, 20, 40);
    expect((await refusal(corrupt)).code).toBe('invalid_archive');
    expect((await refusal(gzipSync(good))).code).toBe('invalid_archive');
    const truncated = rawTar([file('p/a', 'a'.repeat(3000))]).subarray(0, 1024);
    expect((await refusal(gzipSync(truncated))).code).toBe('invalid_archive');
  });

  it('refuses an archive over maxArchiveBytes before reading it', async () => {
    const gz = tarGz([file('p/a', 'a')]);
    expect(await refusal(gz, { maxArchiveBytes: gz.length - 1 })).toEqual({
      code: 'too_large',
      message: `Archive is ${gz.length} bytes; the limit is ${gz.length - 1} bytes`,
    });
  });

  it('refuses more files than maxFiles', async () => {
    const gz = tarGz([file('p/a'), file('p/b'), file('p/c')]);
    expect((await refusal(gz, { maxFiles: 2 })).code).toBe('too_large');
    await expect(inspectArchive(gz, { limits: { ...limits, maxFiles: 3 } })).resolves.toBeDefined();
  });

  it('refuses files adding up to more than maxUnpackedBytes', async () => {
    const gz = tarGz([file('p/a', 'a'.repeat(600)), file('p/b', 'b'.repeat(600))]);
    expect((await refusal(gz, { maxUnpackedBytes: 1000 })).code).toBe('too_large');
    await expect(inspectArchive(gz, { limits: { ...limits, maxUnpackedBytes: 1200 } })).resolves.toBeDefined();
  });

  // 1 GiB of zeros as 64 concatenated gzip members of 16 MiB each: about 1 MB
  // compressed. Inflating all of it takes seconds; refusing it must not.
  const zeros16M = gzipSync(Buffer.alloc(16 << 20), { level: 9 });
  const gigabyteOfZeros = (): Buffer[] => Array.from({ length: 64 }, () => zeros16M);

  it('refuses a file far bigger than the limit from its header, without inflating it', async () => {
    const header = gzipSync(rawTar([{ path: 'p/bomb', claimedSize: 1 << 30 }]).subarray(0, 512));
    const bomb = Buffer.concat([header, ...gigabyteOfZeros()]);
    const started = performance.now();
    const { code } = await refusal(bomb, { maxArchiveBytes: 4 << 20, maxUnpackedBytes: 1 << 20 });
    expect(code).toBe('too_large');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops inflating zeros after the end of the archive once past the limit', async () => {
    const bomb = Buffer.concat([tarGz([file('p/a')]), ...gigabyteOfZeros()]);
    const started = performance.now();
    const { code } = await refusal(bomb, { maxArchiveBytes: 4 << 20, maxUnpackedBytes: 1 << 20 });
    expect(code).toBe('too_large');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['SymbolicLink', { path: 'p/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
    ['Link', { path: 'p/hard', type: 'Link', linkpath: 'p/a' }],
    ['CharacterDevice', { path: 'p/tty', type: 'CharacterDevice' }],
    ['BlockDevice', { path: 'p/sda', type: 'BlockDevice' }],
    ['FIFO', { path: 'p/pipe', type: 'FIFO' }],
    ['ContiguousFile', { path: 'p/contig', type: 'ContiguousFile' }],
  ])('refuses a %s entry, naming it', async (_type, entry: RawEntry) => {
    const { code, message } = await refusal(tarGz([file('p/a'), entry]));
    expect(code).toBe('invalid_archive');
    expect(message).toContain(JSON.stringify(entry.path));
  });

  it('refuses entry types node-tar skips, such as sparse files', async () => {
    const { code, message } = await refusal(tarGz([file('p/a'), { path: 'p/sparse', type: 'SparseFile' }]));
    expect(code).toBe('invalid_archive');
    expect(message).toContain('p/sparse');
  });

  it.each([
    ['a parent segment', [file('p/a'), file('p/../evil')]],
    ['a leading ..', [file('../evil')]],
    ['an absolute path', [file('/etc/passwd')]],
    ['an absolute path under the root name', [file('p/a'), file('/p/b')]],
    ['a backslash', [file('p/a\\..\\b')]],
    ['an empty segment', [file('p//a')]],
    ['a . segment', [file('./p/a')]],
    ['two top-level folders', [file('p/a'), file('q/b')]],
    ['a file at the top level', [file('README'), file('README/a')]],
    ['a duplicate path', [file('p/a'), file('p/a')]],
    ['a file used as a folder', [file('p/a'), file('p/a/b')]],
    ['a pax path escaping the root', [file('p/a'), { ...file('p/b'), paxPath: '../evil' }]],
  ])('refuses %s', async (_what, entries: RawEntry[]) => {
    expect((await refusal(tarGz(entries))).code).toBe('invalid_archive');
  });

  it.each([
    ['p/flock.toml:evil', 'contains ":", which Windows does not allow in names'],
    ['p/a?b', 'contains "?", which Windows does not allow in names'],
    ['p/CON', 'has the name "CON", which Windows reserves for a device'],
    ['p/src/aux.txt', 'has the name "aux.txt", which Windows reserves for a device'],
    ['p/com1', 'has the name "com1", which Windows reserves for a device'],
    ['p/lpt9.x', 'has the name "lpt9.x", which Windows reserves for a device'],
    ['p/x.', 'has the name "x.", which ends in a dot or a space that Windows drops'],
    ['p/y ', 'has the name "y ", which ends in a dot or a space that Windows drops'],
    ['p/esc\x1b[31m\n.txt', 'contains a control character'],
    ['p/del\x7f', 'contains a control character'],
  ])('refuses the name %j with one line saying why', async (path, problem) => {
    expect(await refusal(tarGz([file('p/a'), file(path)]))).toEqual({
      code: 'invalid_archive',
      message: `Archive entry ${quote(path)} ${problem}`,
    });
  });

  it.each([
    ['case', [file('p/README.md'), file('p/readme.md')], 'Archive entry "p/readme.md" collides with "README.md"'],
    ['Unicode normalisation', [file('p/\u00e9.txt'), file('p/e\u0301.txt')], 'Archive entry "p/e\u0301.txt" collides with "\u00e9.txt"'],
    ['the case of a folder', [file('p/Docs/a.md'), file('p/docs/b.md')], 'Archive entry "p/docs/b.md" is in "docs", which collides with "Docs"'],
    ['the case of a folder entry', [{ path: 'p/Src/', type: 'Directory' }, file('p/src/a.kes')], 'Archive entry "p/src/a.kes" is in "src", which collides with "Src"'],
  ])('refuses two entries that differ only in %s', async (_what, entries: RawEntry[], start) => {
    expect(await refusal(tarGz(entries))).toEqual({
      code: 'invalid_archive',
      message: `${start} on case-insensitive or Unicode-normalising file systems`,
    });
  });

  it('refuses data after the end of the tar, where the listing would not show it', async () => {
    const first = gunzipSync(await packArchive({ root: 'p-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from('x') }] }));
    const second = gunzipSync(await packArchive({ root: 'p-1.0.0', entries: [{ path: 'hidden', bytes: Buffer.from('y') }] }));
    const refused = { code: 'invalid_archive', message: 'Archive has data after the end of the tar' };
    expect(await refusal(gzipSync(Buffer.concat([first, second])))).toEqual(refused);
    // Two gzip members, which gunzip joins into the same tar stream.
    expect(await refusal(Buffer.concat([gzipSync(first), gzipSync(second)]))).toEqual(refused);
    expect(await refusal(gzipSync(Buffer.concat([first, Buffer.from('!')])))).toEqual(refused);
    expect(await refusal(gzipSync(Buffer.concat([first, Buffer.alloc(100_000), Buffer.from('!')])))).toEqual(refused);
  });

  it('refuses data after the end of the tar wherever the marker falls in the inflated chunks', async () => {
    // gunzip hands out 16 KiB chunks: move the end marker across a chunk boundary,
    // with the hidden byte right after it or after more zeros.
    for (let size = 14 * 1024; size <= 17 * 1024; size += 512) {
      for (const gap of [0, 1, 511, 1024, 20_000]) {
        const tar = Buffer.concat([rawTar([file('p/a', 'a'.repeat(size))]), Buffer.alloc(gap), Buffer.from('x')]);
        expect(await refusal(gzipSync(tar))).toEqual({ code: 'invalid_archive', message: 'Archive has data after the end of the tar' });
      }
    }
  });

  it('accepts zero padding after the end of the tar, and long zero runs inside files', async () => {
    const tar = rawTar([file('p/zeros', '\0'.repeat(40_000)), file('p/b', 'b'), file('p/more', '\0'.repeat(5000))]);
    const padded = Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))]);
    const { files } = await inspectArchive(gzipSync(padded), { limits });
    expect(files.map((f) => `${f.path} ${f.size}`)).toEqual(['zeros 40000', 'b 1', 'more 5000']);
  });

  it('refuses a tar without its end-of-archive marker', async () => {
    const refused = { code: 'invalid_archive', message: 'Archive is not a complete tar: it has no end-of-archive marker' };
    const tar = rawTar([file('p/a')]);
    expect(await refusal(gzipSync(tar.subarray(0, tar.length - 1024)))).toEqual(refused);
    expect(await refusal(gzipSync(tar.subarray(0, tar.length - 512)))).toEqual(refused);
  });

  it('refuses bytes after the end of the gzip stream', async () => {
    const gz = tarGz([file('p/a')]);
    expect(await refusal(Buffer.concat([gz, Buffer.from('\0hidden')]))).toEqual({
      code: 'invalid_archive',
      message: 'Archive has data after the end of the gzip stream',
    });
  });

  it('refuses a header with a bad checksum', async () => {
    const tar = rawTar([file('p/a'), file('p/b')]);
    tar[512 * 2] = 'q'.charCodeAt(0); // rename p/b to q/b without fixing the checksum
    expect((await refusal(gzipSync(tar))).code).toBe('invalid_archive');
  });
});
