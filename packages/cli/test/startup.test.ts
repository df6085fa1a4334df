import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const MODULE_LOG_HOOK = pathToFileURL(join(import.meta.dirname, '../../../test-support/module-log.mjs')).href;
const CLI_PACKAGE = join(import.meta.dirname, '../package.json');
// What made start-up slow: every command's dependencies loaded before commander parsed a word.
describe('flock loads only what the command needs', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let runs = 0;

  /** Runs flock and returns its result, the URLs and paths of every module it loaded, and the packages among them. */
  async function flockLoading(args: string[], env: Record<string, string> = {}, nodeOptions = '', cwd = dir.path) {
    const log = join(dir.path, `modules-${++runs}.log`);
    const result = await runFlock(args, { cwd, env: { HOME: dir.path, NODE_OPTIONS: `--import=${MODULE_LOG_HOOK} ${nodeOptions}`, FLOCK_TEST_MODULE_LOG: log, ...env } });
    const urls = (await readFile(log, 'utf8')).split('\n');
    const packages = new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name) => name !== undefined));
    return { result, packages, urls };
  }

  beforeAll(async () => {
    [registry, dir] = await Promise.all([createTestRegistry(), tempDir()]);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('flock --version prints the version from the CLI package.json and exits 0', async () => {
    const { version } = JSON.parse(await readFile(CLI_PACKAGE, 'utf8')) as { version: string };
    const { result, packages, urls } = await flockLoading(['--version']);
    expect(result.stdout).toBe(`flock ${version}\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Answered by the bin itself: nothing else is loaded, not even the CLI's main module.
    expect(packages).toEqual(new Set());
    expect(urls.filter((url) => url.includes('/packages/cli/dist/'))).toEqual([]);
  });

  it('flock --help lists every command without loading any package, in the very words of commander\'s help', async () => {
    const { result, packages, urls } = await flockLoading(['--help']);
    expect(result.code).toBe(0);
    expect(urls.some((url) => url.endsWith('/packages/cli/dist/main.js'))).toBe(true);
    expect(packages).toEqual(new Set());
    expect(urls.filter((url) => url.includes('/packages/cli/dist/commands/') && !/\/(index|types)\.js$/.test(url))).toEqual([]);
    expect(result.stdout).toMatch(/^Usage: flock /);
    expect(result.stdout).toContain('--version');
    for (const command of ['publish', 'install', 'doc', 'whoami', 'token', 'org']) expect(result.stdout).toMatch(new RegExp(`\\n  ${command} `));
    // `flock help` is commander's own (the log sees it, loaded through require): the same text.
    const commanders = await flockLoading(['help']);
    expect(commanders.packages).toEqual(new Set(['commander']));
    expect(commanders.result.code).toBe(0);
    expect(result.stdout).toBe(commanders.result.stdout);
  });

  // Node 20 loads fetch's implementation (undici, not a module a hook sees) on its first call, which cost more
  // than the rest of whoami: without the global fetch, whoami shows it never calls it.
  it('flock whoami loads its own few dependencies, none of the docs, archive or version ones, and not fetch', async () => {
    const token = await registry.createUser('startup-user');
    const { result, packages } = await flockLoading(['whoami'], { FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token }, '--no-experimental-fetch');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('startup-user\n  startup-user (owner)\n');
    expect(result.code).toBe(0);
    for (const heavy of ['marked', 'sanitize-html', 'highlight.js', 'semver', 'tar', 'smol-toml']) expect(packages.has(heavy), heavy).toBe(false);
  });

  /** examples/palette as a pushed git repository, optionally with a build command, and a publisher's env. */
  async function pushedPalette(name: string, build?: string) {
    const folder = join(dir.path, name);
    await mkdir(folder);
    const project = await copyExample('palette', folder);
    if (build !== undefined) await writeFile(join(project, 'flock.toml'), `${await readFile(join(project, 'flock.toml'), 'utf8')}\n[build]\ncommand = ${JSON.stringify(build)}\n`);
    await initGitPackage(project);
    return { project, env: await publisherEnv(registry, folder, name) };
  }

  it('flock publish renders no Markdown, so loads no sanitizer, and does not call fetch', async () => {
    const { project, env } = await pushedPalette('lean-publisher');
    const { result, packages } = await flockLoading(['publish'], { ...env, FLOCK_ORG: 'lean-publisher' }, '--no-experimental-fetch', project);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines[1]).toBe(`Publishing lean-publisher/palette@0.1.0 to ${registry.url}...`);
    expect(result.lines).toHaveLength(5);
    // The log is real: publish packs with tar.
    expect(packages.has('tar')).toBe(true);
    expect(packages.has('sanitize-html')).toBe(false);
    expect(packages.has('highlight.js')).toBe(false);
  });

  it('flock publish builds in a clone that reads the repository\'s objects in place rather than copying them', async () => {
    // The build runs in the clone: it prints where the clone's objects come from.
    const { project, env } = await pushedPalette('shared-publisher', 'cat "$(git rev-parse --git-path objects/info/alternates)" >&2');
    const result = await runFlock(['publish'], { cwd: project, env: { ...env, FLOCK_ORG: 'shared-publisher' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trim()).toBe(join(await realpath(project), '.git/objects'));
  });
});
