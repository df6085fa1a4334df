import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, quote } from '@flock/core';
import { manifestFor } from '../../../test-support/archives.js';
import { copyExample, publisherEnv, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { paxRecord, rawTarGz as rawEntriesTarGz } from '../../../test-support/raw-tar.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const manifest = (name: string): Buffer => manifestFor('acme', name, '1.0.0');

/** A tar.gz written block by block: packArchive itself refuses the names under test. */
function rawTarGz(root: string, files: Array<[string, Buffer]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, body] of files) {
    const block = Buffer.alloc(512);
    new Header({ path: `${root}/${path}`, type: 'File', mode: 0o644, size: body.length, mtime: new Date(0) }).encode(block);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

describe('publishing archives that cannot be unpacked the same everywhere', () => {
  let registry: TestRegistry;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    token = await registry.createUser('acme');
  });
  afterAll(() => registry?.close());

  const put = (name: string, body: Uint8Array) =>
    fetch(`${registry.url}/api/v1/packages/acme/${name}/1.0.0`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` } });

  it.each([
    ['case duplicates', 'dup', { 'README.md': 'a', 'readme.md': 'b' }, 'Archive entry "dup-1.0.0/readme.md" collides with "README.md" on case-insensitive or Unicode-normalising file systems'],
    ['an NTFS stream name', 'ads', { 'flock.toml:evil': 'x' }, 'Archive entry "ads-1.0.0/flock.toml:evil" contains ":", which Windows does not allow in names'],
    ['a device name', 'dev', { 'aux.txt': 'x' }, 'Archive entry "dev-1.0.0/aux.txt" has the name "aux.txt", which Windows reserves for a device'],
    ['a control character', 'ctl', { 'esc\x1b[31m\n.txt': 'x' }, 'Archive entry "ctl-1.0.0/esc\\u001b[31m\\n.txt" contains a control character'],
  ])('refuses %s with 400 and stores nothing', async (_what, name, files, message) => {
    const blobsBefore = await registry.listBlobs();
    const entries: Array<[string, Buffer]> = [['flock.toml', manifest(name)], ...Object.entries(files).map(([p, t]): [string, Buffer] => [p, Buffer.from(t)])];
    const response = await put(name, rawTarGz(`${name}-1.0.0`, entries));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
    expect(await registry.listBlobs()).toEqual(blobsBefore);
  });

  it('refuses an archive hiding a second tar after the end of the first', async () => {
    const blobsBefore = await registry.listBlobs();
    const shown = await packArchive({ root: 'hide-1.0.0', entries: [{ path: 'flock.toml', bytes: manifest('hide') }] });
    const hidden = await packArchive({ root: 'hide-1.0.0', entries: [{ path: 'hidden', bytes: Buffer.from('secret') }] });
    const response = await put('hide', gzipSync(Buffer.concat([gunzipSync(shown), gunzipSync(hidden)])));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'Archive has data after the end of the tar' });
    expect(await registry.listBlobs()).toEqual(blobsBefore);
    // The honest archive alone still publishes.
    expect((await put('hide', shown)).status).toBe(200);
  });

  it('refuses a tiny upload whose pax path is 40,000 folders deep, with 400 and one line, storing nothing', async () => {
    const blobsBefore = await registry.listBlobs();
    const deep = `deep-1.0.0/${'a/'.repeat(40_000)}f`;
    const archive = rawEntriesTarGz([
      { path: 'deep-1.0.0/flock.toml', body: manifest('deep') },
      { path: 'deep-1.0.0/x', paxPath: deep, body: Buffer.from('x') },
    ]);
    // About 600 bytes: before the limits, checking it took 25 s of CPU and 3 GB.
    expect(archive.length).toBeLessThan(1024);
    const response = await put('deep', archive);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: `Archive entry ${quote(deep)} is 40001 levels deep; the limit is 64` });
    expect(await registry.listBlobs()).toEqual(blobsBefore);
    expect((await fetch(`${registry.url}/api/v1/packages/acme/deep`)).status).toBe(404);
  });

  it.each([
    ['a global pax header', { path: 'glob-1.0.0/g', type: 'GlobalExtendedHeader', body: Buffer.from(paxRecord('path', 'glob-1.0.0/evil')) },
      'Archive entry "glob-1.0.0/g" is a global pax header, which would change every later entry; Flock archives have none'],
    ['a NUL in a pax path', { path: 'glob-1.0.0/x', paxBody: paxRecord('path', 'glob-1.0.0/x\0.exe'), body: Buffer.from('x') },
      'Archive pax header at byte 1536 has a NUL byte in "path"'],
    ['a size with trailing garbage', { path: 'glob-1.0.0/x', body: Buffer.from('x'), patch: (block: Buffer) => void block.write('0000000001x\0', 124, 'latin1') },
      'Archive header at byte 1024 has a malformed size field ("0000000001x")'],
  ])('refuses %s with 400 and one line, storing nothing', async (_what, entry, message) => {
    const blobsBefore = await registry.listBlobs();
    const response = await put('glob', rawEntriesTarGz([{ path: 'glob-1.0.0/flock.toml', body: manifest('glob') }, entry]));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
    expect(await registry.listBlobs()).toEqual(blobsBefore);
  });

  it('flock publish --dry-run refuses a file 65 levels deep in one line', async () => {
    const work = await tempDir();
    try {
      const palette = await copyExample('palette', work.path);
      const folder = join(palette, ...Array(64).fill('d'));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'deep.kes'), 'too deep\n');
      const published = await publishProject(palette, await publisherEnv(registry, work.path, 'deep-publisher'), ['--dry-run']);
      expect(published).toMatchObject({ code: 1, stdout: '' });
      expect(published.stderr).toBe(`Archive path ${quote(`${'d/'.repeat(64)}deep.kes`)} is 65 levels deep; the limit is 64\n`);
    } finally {
      await work.cleanup();
    }
  });

  it('flock publish refuses case duplicates itself, in one line, before uploading', async () => {
    const work = await tempDir();
    try {
      const palette = await copyExample('palette', work.path);
      await writeFile(join(palette, 'readme.md'), 'the same file on macOS and Windows\n');
      const published = await publishProject(palette, await publisherEnv(registry, work.path));
      expect(published).toMatchObject({ code: 1, stdout: '' });
      expect(published.stderr).toBe('Archive path "readme.md" collides with "README.md" on case-insensitive or Unicode-normalising file systems\n');
      expect((await fetch(`${registry.url}/api/v1/packages/your-name/palette`)).status).toBe(404);
    } finally {
      await work.cleanup();
    }
  });
});
