import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { git } from '../../../test-support/publish.js';

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

  it('init writes a .gitignore with .flock/ and runs git init outside a repository', async () => {
    const project = join(dir.path, 'fresh');
    await mkdir(project);
    const result = await runFlock(['init', '--org', 'your-name'], { cwd: project, env: { HOME: dir.path } });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.lines).toEqual([`Created package fresh in ${project}`, `Initialized an empty git repository in ${project}`]);
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toBe('.flock/\n');
    expect((await git(project, 'rev-parse', '--show-toplevel')).trim()).toBe(project);
    // Inside that repository, a new package gets no repository of its own.
    const inner = join(project, 'inner');
    await mkdir(inner);
    const nested = await runFlock(['init', '--org', 'your-name'], { cwd: inner, env: { HOME: dir.path } });
    expect([nested.code, nested.lines]).toEqual([0, [`Created package inner in ${inner}`]]);
    expect(existsSync(join(inner, '.git'))).toBe(false);
  });

  it('init appends .flock/ to an existing .gitignore once, and never twice', async () => {
    const cases: Array<[string, string]> = [
      ['node_modules', 'node_modules\n.flock/\n'],
      ['node_modules\n', 'node_modules\n.flock/\n'],
      ['dist/\n.flock/\n', 'dist/\n.flock/\n'],
      ['/.flock\r\n', '/.flock\r\n'],
    ];
    for (const [i, [before, after]] of cases.entries()) {
      const project = join(dir.path, `ignore-${i}`);
      await mkdir(project);
      await writeFile(join(project, '.gitignore'), before);
      expect((await runFlock(['init'], { cwd: project, env: { HOME: dir.path } })).code).toBe(0);
      expect(await readFile(join(project, '.gitignore'), 'utf8'), JSON.stringify(before)).toBe(after);
    }
  });

  it('init without git says so in one line and still succeeds', async () => {
    const project = join(dir.path, 'no-git');
    const emptyPath = join(dir.path, 'empty-path');
    await mkdir(project);
    await mkdir(emptyPath);
    const result = await runFlock(['init', '--org', 'your-name'], { cwd: project, env: { HOME: dir.path, PATH: emptyPath } });
    expect([result.code, result.stderr]).toEqual([0, 'git is not installed, so no git repository was created (flock publish needs one)\n']);
    expect(existsSync(join(project, 'flock.toml'))).toBe(true);
    expect(existsSync(join(project, '.git'))).toBe(false);
  });

  it('init refuses a bad name', async () => {
    const result = await runFlock(['init', '--name', 'Bad_Name'], { cwd: dir.path, env: { HOME: dir.path } });
    expect(result.stderr).toMatch(/^Invalid package name "Bad_Name"/);
    expect(result.code).toBe(1);
  });

  it.each([
    ['json', 'Json', 'docs.json', '"name": "parse_hex"'],
    // Signatures come out highlighted, as on the registry's pages.
    ['html', 'Html', 'index.html', '<span class="hljs-keyword">fn</span> <span class="hljs-title">parse_hex</span>(text: <span class="hljs-type">String</span>)'],
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
