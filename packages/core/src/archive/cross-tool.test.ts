import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTarGz } from '../../../../test-support/raw-tar.js';
import { packArchive, type PackEntry } from './pack.js';
import { inspectArchive } from './unpack.js';

/**
 * "The stored archive must read the same way in GNU tar, Python's tarfile and
 * Flock": for archives Flock accepts (its own, and long or non-ASCII names
 * from other honest writers), the three list the same files, sizes and types.
 */

const run = promisify(execFile);
const limits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxFiles: 100 };
/** One listed entry: 'f' or 'd', size, path without a trailing '/'. */
type Listing = string[];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flock-cross-tool-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function gnuTar(archive: string): Promise<Listing> {
  // literal quoting in a UTF-8 locale, so names are printed as they are stored.
  const { stdout } = await run('tar', ['--quoting-style=literal', '-tzvf', archive], { env: { LC_ALL: 'C.UTF-8', PATH: process.env.PATH } });
  return stdout.split('\n').filter((line) => line !== '').map((line) => {
    const match = /^(\S)\S* +\S+ +(\d+) \S+ \S+ (.*)$/.exec(line);
    if (match === null) throw new Error(`unexpected tar -tv line: ${line}`);
    const [, kind, size, path] = match;
    return `${kind === '-' ? 'f' : kind} ${size} ${path!.replace(/\/$/, '')}`;
  }).sort();
}

const PYTHON_LIST = `
import sys, tarfile
for m in tarfile.open(sys.argv[1], 'r:gz'):
    kind = 'f' if m.isfile() else 'd' if m.isdir() else 'other:' + m.type.decode()
    print(kind, m.size, m.name.rstrip('/'))
`;

async function python(archive: string): Promise<Listing> {
  const { stdout } = await run('python3', ['-c', PYTHON_LIST, archive], { env: { PYTHONIOENCODING: 'utf-8', PATH: process.env.PATH } });
  return stdout.split('\n').filter((line) => line !== '').sort();
}

/** Flock lists files only; their folders are every parent, with or without an entry of its own. */
async function flock(archive: string): Promise<{ files: Listing; dirs: Set<string> }> {
  const { root, files } = await inspectArchive(await readFile(archive), { limits });
  const dirs = new Set([root]);
  for (const { path } of files) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${root}/${parts.slice(0, i).join('/')}`);
  }
  return { files: files.map((f) => `f ${f.size} ${root}/${f.path}`).sort(), dirs };
}

async function expectSameListing(archive: string): Promise<void> {
  const [tar, py, ours] = await Promise.all([gnuTar(archive), python(archive), flock(archive)]);
  expect(py).toEqual(tar);
  expect(tar.filter((line) => line.startsWith('f '))).toEqual(ours.files);
  // Whatever is not a file is a folder Flock knows of (as the parent of a file, or as the root).
  for (const line of tar.filter((l) => !l.startsWith('f '))) {
    expect(line).toMatch(/^d 0 /);
    expect(ours.dirs).toContain(line.slice('d 0 '.length));
  }
}

const longName = `src/${'d'.repeat(120)}/${'f'.repeat(140)}.kes`;
const unicodeNames = ['café/naïve.txt', '日本語/説明.md', 'emoji-🦆.txt', `${'é'.repeat(60)}/${'ü'.repeat(70)}`];

const packed = (name: string, entries: PackEntry[]) => async (): Promise<string> => {
  const path = join(work, `${name}.tar.gz`);
  await writeFile(path, await packArchive({ root: 'pkg-1.0.0', entries }));
  return path;
};

/** Writes the files into a folder and has GNU tar or Python pack it, as a publisher's own tooling might. */
const byTool = (name: string, tool: 'gnu' | 'python') => async (): Promise<string> => {
  const source = join(work, `${name}-src`);
  for (const path of [longName, ...unicodeNames, 'flock.toml']) {
    await mkdir(dirname(join(source, 'pkg-1.0.0', path)), { recursive: true });
    await writeFile(join(source, 'pkg-1.0.0', path), `${path}\n`);
  }
  const archive = join(work, `${name}.tar.gz`);
  if (tool === 'gnu') await run('tar', ['--format=pax', '-czf', archive, '-C', source, 'pkg-1.0.0']);
  else await run('python3', ['-c', `import sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:gz', format=tarfile.PAX_FORMAT) as t: t.add(sys.argv[2], 'pkg-1.0.0')`, archive, join(source, 'pkg-1.0.0')]);
  return archive;
};

describe('archives Flock accepts list the same in GNU tar, Python tarfile and Flock', () => {
  it.each([
    ['a packed package', packed('normal', [
      { path: 'flock.toml', bytes: Buffer.from('[package]\n') },
      { path: 'bin/run', bytes: Buffer.from('#!/bin/sh\n'), executable: true },
      { path: 'src/lib.kes', bytes: Buffer.alloc(3000, 7) },
      { path: 'empty', bytes: new Uint8Array(0) },
    ])],
    ['a packed long path (pax header)', packed('long', [{ path: longName, bytes: Buffer.from('long') }])],
    ['packed non-ASCII names', packed('unicode', unicodeNames.map((path) => ({ path, bytes: Buffer.from(path) })))],
    ['a node-tar pax header, as npm writes one', async () => {
      const path = join(work, 'node-tar.tar.gz');
      await writeFile(path, rawTarGz([{ path: 'pkg-1.0.0/a', paxPath: `pkg-1.0.0/${longName}`, body: Buffer.from('hi') }]));
      return path;
    }],
    ['GNU tar --format=pax', byTool('gnu', 'gnu')],
    ["Python's tarfile (pax)", byTool('python', 'python')],
  ])('%s', async (_what, make) => {
    await expectSameListing(await make());
  });
});
