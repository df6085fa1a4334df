import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packArchive, type PackEntry } from './pack.js';
import { unpackArchive, type ArchiveLimits } from './unpack.js';

const limits: ArchiveLimits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxFiles: 100 };

const entries: PackEntry[] = [
  { path: 'flock.toml', bytes: Buffer.from('[package]\n') },
  { path: 'bin/palette', bytes: Buffer.from('#!/bin/sh\n'), executable: true },
  { path: 'src/colors/rgb.kes', bytes: Buffer.from('rgb') },
  { path: 'empty', bytes: new Uint8Array(0) },
  { path: `${'d'.repeat(60)}/${'f'.repeat(89)}`, bytes: Buffer.from('long') },
];

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'flock-unpack-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('unpackArchive', () => {
  it('writes every file without the root folder, with 0644/0755 modes', async () => {
    const gz = await packArchive({ root: 'palette-0.1.0', entries });
    const dest = join(work, 'out');
    const files = await unpackArchive(gz, { dest, limits });

    expect(files.map((f) => f.path).sort()).toEqual(entries.map((e) => e.path).sort());
    expect((await readdir(dest)).sort()).toEqual(['bin', 'd'.repeat(60), 'empty', 'flock.toml', 'src']);
    for (const entry of entries) {
      const target = join(dest, ...entry.path.split('/'));
      expect(await readFile(target)).toEqual(Buffer.from(entry.bytes));
      expect(await modeOf(target)).toBe(entry.executable === true ? 0o755 : 0o644);
    }
    expect(await modeOf(join(dest, 'src', 'colors'))).toBe(0o755);
  });

  it('unpacks into an existing empty folder, and refuses a non-empty one', async () => {
    const gz = await packArchive({ root: 'palette-0.1.0', entries });
    const dest = join(work, 'empty-dest');
    await mkdir(dest);
    await unpackArchive(gz, { dest, limits });
    expect(existsSync(join(dest, 'flock.toml'))).toBe(true);

    await expect(unpackArchive(gz, { dest, limits })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('leaves the destination absent when the archive is refused', async () => {
    const gz = await packArchive({ root: 'palette-0.1.0', entries });
    const dest = join(work, 'nested', 'out');
    const unpacking = unpackArchive(gz, { dest, limits: { ...limits, maxFiles: 2 } });
    await expect(unpacking).rejects.toMatchObject({ code: 'too_large' });
    expect(await readdir(work)).toEqual([]);

    const garbage = unpackArchive(Buffer.from('not an archive'), { dest, limits });
    await expect(garbage).rejects.toMatchObject({ code: 'invalid_archive' });
    expect(await readdir(work)).toEqual([]);
  });

  it('removes what it wrote when writing fails part way', async () => {
    // 300 bytes is a valid archive path but longer than any file system allows
    // for one name, so the write fails after the earlier files are on disk.
    const gz = await packArchive({
      root: 'palette-0.1.0',
      entries: [{ path: 'a/first.txt', bytes: Buffer.from('1') }, { path: 'z'.repeat(300), bytes: Buffer.from('2') }],
    });
    const fresh = join(work, 'nested', 'fresh');
    await expect(unpackArchive(gz, { dest: fresh, limits })).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    expect(await readdir(work)).toEqual([]);

    const existing = join(work, 'existing');
    await mkdir(existing);
    await expect(unpackArchive(gz, { dest: existing, limits })).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    expect(await readdir(existing)).toEqual([]);
  });

  it('refuses a destination that is a file', async () => {
    const dest = join(work, 'file');
    await writeFile(dest, 'x');
    const gz = await packArchive({ root: 'palette-0.1.0', entries });
    await expect(unpackArchive(gz, { dest, limits })).rejects.toMatchObject({ code: 'conflict' });
    expect(await readFile(dest, 'utf8')).toBe('x');
  });
});
