import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawTarGz } from '../../../../test-support/raw-tar.js';
import { quote } from '../errors.js';
import { packArchive } from './pack.js';
import { MAX_PATH_BYTES, MAX_PATH_DEPTH, PathTree, pathLimitProblem } from './paths.js';
import { inspectArchive, unpackArchive, type ArchiveLimits } from './unpack.js';

const limits: ArchiveLimits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxFiles: 100 };
const body = Buffer.from('x');

/** 'a/a/.../f': `levels` deep, folders plus the name. */
const deep = (levels: number): string => `${'a/'.repeat(levels - 1)}f`;
// 40,000 folders: checking every prefix of this path took 25 s and 3 GB before the limits.
const DEEP = deep(40_001);

describe('path limits', () => {
  it('are 64 levels and 4096 bytes of UTF-8, inside the package', () => {
    expect([MAX_PATH_DEPTH, MAX_PATH_BYTES]).toEqual([64, 4096]);
    expect(pathLimitProblem(deep(64))).toBeUndefined();
    expect(pathLimitProblem(deep(65))).toBe('is 65 levels deep; the limit is 64');
    expect(pathLimitProblem(`${'d'.repeat(2047)}/${'f'.repeat(2048)}`)).toBeUndefined();
    expect(pathLimitProblem(`${'d'.repeat(2047)}/${'f'.repeat(2049)}`)).toBe('is 4097 bytes long; the limit is 4096');
    // Bytes, not UTF-16 code units: 'é' is two.
    expect(pathLimitProblem(`d/${'é'.repeat(2047)}`)).toBeUndefined();
    expect(pathLimitProblem(`d/${'é'.repeat(2048)}`)).toBe('is 4098 bytes long; the limit is 4096');
  });

  it('pack refuses a 40,000-folder path in one short line', async () => {
    const packing = packArchive({ root: 'deep-1.0.0', entries: [{ path: 'flock.toml', bytes: body }, { path: DEEP, bytes: body }] });
    await expect(packing).rejects.toThrow(`Archive path ${quote(DEEP)} is 40001 levels deep; the limit is 64`);
    await expect(packing).rejects.toThrow(/^Archive path "a\/a\/a\/.{74}…" is 40001 levels deep; the limit is 64$/);
  });

  it('inspect refuses a 40,000-folder pax path', async () => {
    const gz = rawTarGz([{ path: 'p/a', body }, { path: 'p/b', paxPath: `p/${DEEP}`, body }]);
    await expect(inspectArchive(gz, { limits })).rejects.toMatchObject({
      code: 'invalid_archive',
      message: `Archive entry ${quote(`p/${DEEP}`)} is 40001 levels deep; the limit is 64`,
    });
  });

  it('unpack refuses a 40,000-folder pax path and writes nothing', async () => {
    const work = await mkdtemp(join(tmpdir(), 'flock-deep-'));
    try {
      const gz = rawTarGz([{ path: 'p/b', paxPath: `p/${DEEP}`, body }]);
      const dest = join(work, 'out');
      await expect(unpackArchive(gz, { dest, limits })).rejects.toThrow(`Archive entry ${quote(`p/${DEEP}`)} is 40001 levels deep; the limit is 64`);
      expect(existsSync(dest)).toBe(false);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('counts levels below the top folder, so a path at the limit packs, inspects and unpacks', async () => {
    const work = await mkdtemp(join(tmpdir(), 'flock-deep-'));
    try {
      const gz = await packArchive({ root: 'deep-1.0.0', entries: [{ path: deep(64), bytes: body }] });
      expect((await inspectArchive(gz, { limits })).files.map((f) => f.path)).toEqual([deep(64)]);
      expect((await unpackArchive(gz, { dest: join(work, 'out'), limits })).map((f) => f.path)).toEqual([deep(64)]);
      expect(existsSync(join(work, 'out', ...deep(64).split('/')))).toBe(true);
      const over = rawTarGz([{ path: 'p/b', paxPath: `p/${deep(65)}`, body }]);
      await expect(inspectArchive(over, { limits })).rejects.toThrow(`Archive entry ${quote(`p/${deep(65)}`)} is 65 levels deep; the limit is 64`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('PathTree', () => {
  it('finds folding collisions of folders and names at any level, naming both paths', () => {
    const tree = new PathTree();
    expect(tree.add('src/Lib/a.kes', 'file')).toBeUndefined();
    expect(tree.add('src/lib/b.kes', 'file')).toBe('is in "src/lib", which collides with "src/Lib" on case-insensitive or Unicode-normalising file systems');
    expect(tree.add('src/Lib/A.KES', 'file')).toBe('collides with "src/Lib/a.kes" on case-insensitive or Unicode-normalising file systems');
    // The same name in different folders is no collision.
    expect(tree.add('docs/a.kes', 'file')).toBeUndefined();
    // Composed and decomposed é are one name on macOS.
    expect(tree.add('caf\u00e9/x', 'file')).toBeUndefined();
    expect(tree.add('cafe\u0301/y', 'file')).toBe(`is in ${quote('cafe\u0301')}, which collides with ${quote('caf\u00e9')} on case-insensitive or Unicode-normalising file systems`);
  });

  it('keeps files, folders and duplicates apart, and lists every folder', () => {
    const tree = new PathTree();
    expect(tree.add('a/b/c', 'file')).toBeUndefined();
    expect(tree.add('a/b', 'dir')).toBeUndefined();
    expect(tree.add('a/b', 'dir')).toBe('appears more than once');
    expect(tree.add('a/b/c', 'file')).toBe('appears more than once');
    expect(tree.add('a/b/c/d', 'file')).toBe('is inside an entry that is a file');
    expect(tree.add('a', 'file')).toBe('is both a file and a folder');
    expect(tree.dirs().sort()).toEqual(['a', 'a/b']);
  });
});

describe('the inflate cap', () => {
  it('leaves room for every file to have a path at the limit', async () => {
    // 20 one-byte files with ~4 KiB paths (three shared folders): the pax headers, not the bytes, make the tar big.
    const small: ArchiveLimits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1000, maxFiles: 21 };
    const long = (i: number) => `${`${'d'.repeat(1000)}/`.repeat(3)}${String(i).padStart(4, '0')}${'f'.repeat(4096 - 3003 - 4)}`;
    expect(pathLimitProblem(long(0))).toBeUndefined();
    const entries = [{ path: 'flock.toml', bytes: body }, ...Array.from({ length: 20 }, (_, i) => ({ path: long(i), bytes: body }))];
    const bytes = await packArchive({ root: 'long-1.0.0', entries });
    const inspected = await inspectArchive(bytes, { limits: small });
    expect(inspected.files).toHaveLength(21);
  });
});
