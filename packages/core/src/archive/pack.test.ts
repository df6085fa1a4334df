import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { describe, expect, it } from 'vitest';
import { FlockError, quote } from '../errors.js';
import { ARCHIVE_MTIME, packArchive, sha256Hex, type PackEntry } from './pack.js';
import { inspectArchive } from './unpack.js';

const limits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxFiles: 100 };

const entries: PackEntry[] = [
  { path: 'src/main.kes', bytes: Buffer.from('fn main() {}\n') },
  { path: 'flock.toml', bytes: Buffer.from('[package]\nname = "palette"\n') },
  { path: 'bin/palette', bytes: Buffer.from('#!/bin/sh\necho hi\n'), executable: true },
  { path: 'README.md', bytes: Buffer.from('# Palette\n') },
  { path: 'src/colors/rgb.kes', bytes: new Uint8Array([1, 2, 3]) },
  { path: 'empty.txt', bytes: new Uint8Array(0) },
];

interface ListedEntry {
  path: string;
  type: string;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  uname: string | undefined;
  gname: string | undefined;
  mtime: Date | undefined;
  atime: Date | undefined;
  ctime: Date | undefined;
  size: number;
}

/** Lists a .tar.gz with node-tar itself, plus the bodies of any pax headers it met. */
async function listTar(gz: Buffer): Promise<{ entries: ListedEntry[]; pax: string[] }> {
  const listed: ListedEntry[] = [];
  const pax: string[] = [];
  const parser = new Parser({ strict: true });
  parser.on('entry', (entry: ReadEntry) => {
    const { path, type, mode, uid, gid, uname, gname, mtime, atime, ctime, size } = entry;
    listed.push({ path, type, mode, uid, gid, uname, gname, mtime, atime, ctime, size });
    entry.resume();
  });
  parser.on('meta', (body: string) => pax.push(body));
  await new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('end', resolve);
    parser.end(gunzipSync(gz));
  });
  return { entries: listed, pax };
}

describe('packArchive', () => {
  it('gives identical bytes for the same entries, in any order', async () => {
    const a = await packArchive({ root: 'palette-0.1.0', entries });
    const b = await packArchive({ root: 'palette-0.1.0', entries });
    const c = await packArchive({ root: 'palette-0.1.0', entries: [...entries].reverse() });
    expect(b.equals(a)).toBe(true);
    expect(c.equals(a)).toBe(true);
    expect(sha256Hex(c)).toBe(sha256Hex(a));
    const other = await packArchive({ root: 'palette-0.1.1', entries });
    expect(sha256Hex(other)).not.toBe(sha256Hex(a));
  });

  it('writes a fixed gzip header: no mtime, max-compression flag, OS "unknown"', async () => {
    const gz = await packArchive({ root: 'palette-0.1.0', entries });
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  });

  it('lists folders then contents in byte order, with pinned metadata', async () => {
    const { entries: listed, pax } = await listTar(await packArchive({ root: 'palette-0.1.0', entries }));
    expect(listed.map((e) => `${e.type} ${e.path}`)).toEqual([
      'Directory palette-0.1.0/',
      'File palette-0.1.0/README.md',
      'Directory palette-0.1.0/bin/',
      'File palette-0.1.0/bin/palette',
      'File palette-0.1.0/empty.txt',
      'File palette-0.1.0/flock.toml',
      'Directory palette-0.1.0/src/',
      'Directory palette-0.1.0/src/colors/',
      'File palette-0.1.0/src/colors/rgb.kes',
      'File palette-0.1.0/src/main.kes',
    ]);
    for (const entry of listed) {
      const executable = entry.type === 'Directory' || entry.path.endsWith('bin/palette');
      expect(entry.mode).toBe(executable ? 0o755 : 0o644);
      expect(entry).toMatchObject({ uid: 0, gid: 0, uname: '', gname: '', atime: undefined, ctime: undefined });
      expect(entry.mtime?.toISOString()).toBe('1980-01-01T00:00:00.000Z');
    }
    expect(ARCHIVE_MTIME.getTime()).toBe(Date.UTC(1980, 0, 1));
    expect(listed.find((e) => e.path.endsWith('main.kes'))?.size).toBe(13);
    expect(pax).toEqual([]);
  });

  it('round-trips 150-character paths, via the ustar prefix or a path-only pax header', async () => {
    const nested = `${'a'.repeat(49)}/${'b'.repeat(50)}/${'c'.repeat(49)}`;
    const flat = 'f'.repeat(150);
    expect(nested).toHaveLength(150);
    const gz = await packArchive({
      root: 'palette-0.1.0',
      entries: [{ path: nested, bytes: Buffer.from('nested') }, { path: flat, bytes: Buffer.from('flat') }],
    });
    const { root, files, contents } = await inspectArchive(gz, { limits, keep: () => true });
    expect(root).toBe('palette-0.1.0');
    expect(files.map((f) => f.path).sort()).toEqual([nested, flat].sort());
    expect(contents.get(nested)?.toString()).toBe('nested');
    expect(contents.get(flat)?.toString()).toBe('flat');

    const { pax } = await listTar(gz);
    const fullFlat = `palette-0.1.0/${flat}`;
    const record = ` path=${fullFlat}\n`;
    expect(pax).toEqual([`${record.length + 3}${record}`]);
  });

  it('keeps non-ASCII paths exact', async () => {
    const gz = await packArchive({ root: 'palette-0.1.0', entries: [{ path: 'dóc/ñ.md', bytes: Buffer.from('x') }] });
    const { files } = await inspectArchive(gz, { limits });
    expect(files).toEqual([{ path: 'dóc/ñ.md', size: 1, executable: false }]);
  });

  it.each([
    ['../evil'],
    ['a/../../evil'],
    ['/etc/passwd'],
    ['C:/windows'],
    ['a\\b'],
    ['a//b'],
    ['./a'],
    ['a/'],
    [''],
    ['a\0b'],
  ])('refuses the unsafe path %j', async (path) => {
    const packing = packArchive({ root: 'palette-0.1.0', entries: [{ path, bytes: Buffer.from('x') }] });
    await expect(packing).rejects.toThrow(FlockError);
    await expect(packing).rejects.toMatchObject({ code: 'invalid_archive' });
  });

  it('refuses duplicate paths and a file used as a folder', async () => {
    const x = Buffer.from('x');
    await expect(
      packArchive({ root: 'p-1.0.0', entries: [{ path: 'a.txt', bytes: x }, { path: 'a.txt', bytes: x }] }),
    ).rejects.toMatchObject({ code: 'invalid_archive', message: expect.stringContaining('more than once') });
    await expect(
      packArchive({ root: 'p-1.0.0', entries: [{ path: 'a', bytes: x }, { path: 'a/b', bytes: x }] }),
    ).rejects.toMatchObject({ code: 'invalid_archive' });
    await expect(
      packArchive({ root: 'p-1.0.0', entries: [{ path: 'a/b', bytes: x }, { path: 'a', bytes: x }] }),
    ).rejects.toMatchObject({ code: 'invalid_archive' });
  });

  // The registry refuses the same names (inspect.test.ts); the packer must
  // refuse them first, in one line, so `flock publish` fails before uploading.
  it.each([
    ['flock.toml:evil', 'Archive path "flock.toml:evil" contains ":", which Windows does not allow in names'],
    ...['<', '>', '"', '|', '?', '*'].map((c) => [`a${c}b`, `Archive path ${JSON.stringify(`a${c}b`)} contains ${JSON.stringify(c)}, which Windows does not allow in names`]),
    ['a\\b', 'Archive path "a\\\\b" contains a backslash'],
    ['CON', 'Archive path "CON" has the name "CON", which Windows reserves for a device'],
    ['src/aux.txt', 'Archive path "src/aux.txt" has the name "aux.txt", which Windows reserves for a device'],
    ['nul', 'Archive path "nul" has the name "nul", which Windows reserves for a device'],
    ['com1', 'Archive path "com1" has the name "com1", which Windows reserves for a device'],
    ['LPT9.x', 'Archive path "LPT9.x" has the name "LPT9.x", which Windows reserves for a device'],
    ['Prn/a.kes', 'Archive path "Prn/a.kes" has the name "Prn", which Windows reserves for a device'],
    ['x.', 'Archive path "x." has the name "x.", which ends in a dot or a space that Windows drops'],
    ['y ', 'Archive path "y " has the name "y ", which ends in a dot or a space that Windows drops'],
    ['src./a', 'Archive path "src./a" has the name "src.", which ends in a dot or a space that Windows drops'],
    ['esc\x1b[31m\n.txt', 'Archive path "esc\\u001b[31m\\n.txt" contains a control character'],
    ['tab\there', 'Archive path "tab\\there" contains a control character'],
    ['unit\x1f', 'Archive path "unit\\u001f" contains a control character'],
    ['del\x7f', `Archive path ${quote('del\x7f')} contains a control character`],
    ['csi\u009b', `Archive path ${quote('csi\u009b')} contains a control character`],
  ])('refuses the name %j with one line saying why', async (path, message) => {
    const packing = packArchive({ root: 'p-1.0.0', entries: [{ path, bytes: Buffer.from('x') }] });
    await expect(packing).rejects.toMatchObject({ code: 'invalid_archive', message });
  });

  it('accepts names that only look like reserved ones', async () => {
    const names = ['console.kes', 'com10', 'lpt', 'nul_', 'auxiliary/x', 'a.b.c', '.hidden', 'ç.txt', '日本.md', 'a b.txt'];
    const gz = await packArchive({ root: 'p-1.0.0', entries: names.map((path) => ({ path, bytes: Buffer.from('x') })) });
    expect((await inspectArchive(gz, { limits })).files.map((f) => f.path).sort()).toEqual([...names].sort());
  });

  it.each([
    ['differ in case', ['README.md', 'readme.md'], 'Archive path "readme.md" collides with "README.md"'],
    ['differ in Unicode normalisation', ['\u00e9.txt', 'e\u0301.txt'], 'Archive path "e\u0301.txt" collides with "\u00e9.txt"'],
    ['differ in case and normalisation', ['\u00c9.txt', 'e\u0301.txt'], 'Archive path "e\u0301.txt" collides with "\u00c9.txt"'],
    ['collide with flock.toml', ['flock.toml', 'FLOCK.toml'], 'Archive path "FLOCK.toml" collides with "flock.toml"'],
    ['are in folders that differ in case', ['Docs/a.md', 'docs/b.md'], 'Archive path "docs/b.md" is in "docs", which collides with "Docs"'],
    ['are a file and a folder that differ in case', ['src', 'SRC/a.kes'], 'Archive path "SRC/a.kes" is in "SRC", which collides with "src"'],
  ])('refuses two paths that %s', async (_what, paths, start) => {
    const packing = packArchive({ root: 'p-1.0.0', entries: paths.map((path) => ({ path, bytes: Buffer.from('x') })) });
    const message = `${start} on case-insensitive or Unicode-normalising file systems`;
    await expect(packing).rejects.toMatchObject({ code: 'invalid_archive', message });
  });

  it.each([['a/b'], ['..'], [''], ['/abs']])('refuses the root %j', async (root) => {
    await expect(packArchive({ root, entries: [] })).rejects.toMatchObject({ code: 'invalid_archive' });
  });
});

describe('sha256Hex', () => {
  it('is the hex sha256 of the bytes', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
