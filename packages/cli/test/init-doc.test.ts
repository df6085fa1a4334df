import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';

describe('flock init and flock doc', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.cleanup());

  it('init scaffolds a package that doc can document, and refuses to run twice', async () => {
    const project = join(dir.path, 'My_Tool');
    await mkdir(project);
    const result = await runFlock(['init', '--org', 'your-name'], { cwd: project, env: { HOME: dir.path } });
    expect(result.code).toBe(0);
    const manifest = await readFile(join(project, 'flock.toml'), 'utf8');
    expect(manifest).toContain('name = "my-tool"');
    expect(manifest).toContain('org = "your-name"');
    expect(await readdir(join(project, 'src'))).toEqual(['my_tool.ks']);
    const doc = await runFlock(['doc', '--format', 'json', '--out', 'out'], { cwd: project, env: { HOME: dir.path } });
    expect(doc.stdout).toBe(`wrote 1 modules, 1 items (Json) → ${join(project, 'out')}\n`);
    const again = await runFlock(['init'], { cwd: project, env: { HOME: dir.path } });
    expect(again.stderr).toBe(`flock.toml already exists in ${project}\n`);
    expect(again.code).toBe(1);
  });

  it('init refuses a bad name', async () => {
    const result = await runFlock(['init', '--name', 'Bad_Name'], { cwd: dir.path, env: { HOME: dir.path } });
    expect(result.stderr).toMatch(/^Invalid package name "Bad_Name"/);
    expect(result.code).toBe(1);
  });

  it.each([
    ['json', 'Json', 'docs.json', '"name": "parse_hex"'],
    ['html', 'Html', 'index.html', 'id="palette.parse_hex"'],
    ['markdown', 'Markdown', 'api.md', '### fn parse_hex'],
  ])('doc --format %s writes the palette docs', async (format, label, file, needle) => {
    const palette = await copyExample('palette', join(dir.path, format));
    const result = await runFlock(['doc', '--format', format], { cwd: palette, env: { HOME: dir.path } });
    expect(result.stdout).toBe(`wrote 1 modules, 7 items (${label}) → ${join(palette, '.flock/doc')}\n`);
    expect(await readFile(join(palette, '.flock/doc', file), 'utf8')).toContain(needle);
  });

  it('doc refuses an unknown format and a missing flock.toml', async () => {
    const bad = await runFlock(['doc', '--format', 'pdf'], { cwd: dir.path, env: { HOME: dir.path } });
    expect(bad.stderr).toBe('Unknown format "pdf": use json, html, markdown\n');
    const empty = join(dir.path, 'empty');
    await mkdir(empty);
    const missing = await runFlock(['doc'], { cwd: empty, env: { HOME: dir.path } });
    expect(missing.stderr).toBe(`No flock.toml in ${empty} or any parent folder (run \`flock init\` to create one)\n`);
    expect(missing.code).toBe(1);
  });

  it('doc documents nested modules', async () => {
    const project = join(dir.path, 'nested');
    await mkdir(join(project, 'src', 'color'), { recursive: true });
    await writeFile(join(project, 'flock.toml'), '[package]\nname = "nested"\nversion = "1.0.0"\n');
    await writeFile(join(project, 'src', 'color', 'mix.ks'), '/// Mixes.\r\npub fn mix() {}\r\n');
    await writeFile(join(project, 'src', 'top.ks'), '/// Top.\npub const TOP: Int = 1\n');
    const result = await runFlock(['doc', '--format', 'json'], { cwd: project, env: { HOME: dir.path } });
    expect(result.stdout).toMatch(/^wrote 2 modules, 2 items \(Json\)/);
    const docs = JSON.parse(await readFile(join(project, '.flock/doc/docs.json'), 'utf8')) as { modules: Array<{ name: string }> };
    expect(docs.modules.map((m) => m.name)).toEqual(['color.mix', 'top']);
  });
});
