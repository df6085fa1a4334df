import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// flock.toml and flock.lock change only when the whole command worked: a failed add, remove or
// install leaves both byte for byte as they were.
describe('add, remove and install change nothing when they fail', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let token: string;
  let n = 0;
  const home = () => join(dir.path, 'home');
  const flock = (args: string[], cwd: string) =>
    runFlock(args, { cwd, env: { HOME: home(), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token } });
  const PACKAGE = '[package]\nname = "app"\nversion = "0.1.0"\n';

  async function newProject(toml: string): Promise<{ root: string; toml: string }> {
    const root = join(dir.path, `project-${++n}`);
    await mkdir(root);
    await writeFile(join(root, 'flock.toml'), toml);
    return { root, toml: join(root, 'flock.toml') };
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    await mkdir(home());
    token = await registry.createUser('your-name');
    for (const example of ['palette', 'banner'] as const) {
      const result = await publishProject(await copyExample(example, dir.path), { HOME: home(), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token });
      expect(result.code, result.stderr + result.stdout).toBe(0);
    }
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('add with a range no version matches leaves flock.toml as it was and says nothing was added', async () => {
    const original = `# my app\n${PACKAGE}\n[dependencies]\n"your-name/palette" = "0.1"  # colours\n`;
    const { root, toml } = await newProject(original);
    const result = await flock(['add', 'your-name/banner@9'], root);
    expect(result.stderr).toBe('Cannot resolve dependencies:\nYour flock.toml asks for your-name/banner ^9 (no version of your-name/banner matches ^9; available: 0.1.0).\n');
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
    expect(await readFile(toml, 'utf8')).toBe(original);
    await expect(stat(join(root, 'flock.lock'))).rejects.toThrow();
    // And the project still installs; the archive cache made ~/.kestrel private, as it will hold the credentials.
    expect((await flock(['install'], root)).code).toBe(0);
    expect((await stat(join(home(), '.kestrel'))).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['an inline table above [package]', `dependencies = { "your-name/banner" = "0.1" }\n${PACKAGE}`],
    ['an inline table in a CRLF file', `dependencies = { "your-name/banner" = "0.1" }\n${PACKAGE}`.replace(/\n/g, '\r\n')],
    ['dotted keys', `dependencies."your-name/banner" = "0.1"\n${PACKAGE}`],
  ])('add and remove refuse to edit %s and leave the file byte-identical', async (_form, original) => {
    const { root, toml } = await newProject(original);
    for (const args of [['remove', 'your-name/banner'], ['add', 'your-name/palette@0.1'], ['add', 'your-name/banner@0.1.0']]) {
      const result = await flock(args, root);
      expect(result.stderr, args.join(' ')).toBe('Cannot edit [dependencies] in flock.toml automatically (it is not a plain [dependencies] table): edit it by hand\n');
      expect(result.stdout).toBe('');
      expect(result.code).toBe(1);
      expect(await readFile(toml, 'utf8')).toBe(original);
    }
    expect(await readdir(root)).toEqual(['flock.toml']);
  });

  it('add keeps CRLF line endings', async () => {
    const original = `${PACKAGE}\n[dependencies]\n`.replace(/\n/g, '\r\n');
    const { root, toml } = await newProject(original);
    const result = await flock(['add', 'your-name/palette'], root);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines[0]).toBe('Added your-name/palette = "^0.1.0" to flock.toml');
    expect(await readFile(toml, 'utf8')).toBe(`${original}"your-name/palette" = "^0.1.0"\r\n`);
  });

  it('when unpacking fails, flock.lock is not written and flock.toml is not changed', async () => {
    const { root, toml } = await newProject(`${PACKAGE}\n[dependencies]\n"your-name/palette" = "0.1"\n`);
    const original = await readFile(toml, 'utf8');
    // .flock/deps is a file: nothing can be unpacked into it.
    await mkdir(join(root, '.flock'));
    await writeFile(join(root, '.flock', 'deps'), 'in the way');
    const cannotUnpack = `Cannot create the folder ${join(root, '.flock', 'deps', 'your-name')}: a folder on its path is a file\n`;

    const install = await flock(['install'], root);
    expect(install.stderr).toBe(cannotUnpack);
    expect(install.code).toBe(1);
    await expect(stat(join(root, 'flock.lock'))).rejects.toThrow();

    const add = await flock(['add', 'your-name/banner'], root);
    expect(add.stderr).toBe(cannotUnpack);
    expect(add.stdout).toBe('');
    expect(add.code).toBe(1);
    expect(await readFile(toml, 'utf8')).toBe(original);
    await expect(stat(join(root, 'flock.lock'))).rejects.toThrow();
  });

  it('remove whose install fails leaves flock.toml and flock.lock as they were', async () => {
    const { root, toml } = await newProject(`${PACKAGE}\n[dependencies]\n"your-name/banner" = "0.1"\n"your-name/palette" = "0.1"\n`);
    expect((await flock(['install'], root)).code).toBe(0);
    const [original, lock] = await Promise.all([readFile(toml, 'utf8'), readFile(join(root, 'flock.lock'), 'utf8')]);
    // Banner still needs palette, which must be unpacked again: into a .flock/deps that is now a file.
    await rm(join(root, '.flock', 'deps'), { recursive: true });
    await writeFile(join(root, '.flock', 'deps'), 'in the way');
    const result = await flock(['remove', 'your-name/palette'], root);
    expect(result.stderr).toMatch(/^Cannot create the folder .+: a folder on its path is a file\n$/);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
    expect(await readFile(toml, 'utf8')).toBe(original);
    expect(await readFile(join(root, 'flock.lock'), 'utf8')).toBe(lock);
  });
});
