import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const MODULE_LOG_HOOK = pathToFileURL(join(import.meta.dirname, '../../../test-support/module-log.mjs')).href;
const CLI_PACKAGE = join(import.meta.dirname, '../package.json');
// What made start-up slow: every command's dependencies loaded before commander parsed a word.
const HEAVY = ['marked', 'sanitize-html', 'zod', 'semver', 'tar', 'smol-toml'];

describe('flock start-up loads only what the command needs', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let runs = 0;

  /** Runs flock and returns its result, the URLs and paths of every module it loaded, and the packages among them. */
  async function flockLoading(args: string[], env: Record<string, string> = {}, nodeOptions = '') {
    const log = join(dir.path, `modules-${++runs}.log`);
    const result = await runFlock(args, { cwd: dir.path, env: { HOME: dir.path, NODE_OPTIONS: `--import=${MODULE_LOG_HOOK} ${nodeOptions}`, FLOCK_TEST_MODULE_LOG: log, ...env } });
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
    const { result, packages } = await flockLoading(['--version']);
    expect(result.stdout).toBe(`flock ${version}\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Not even commander: --version alone answers first.
    expect(packages).toEqual(new Set());
  });

  it('flock --help lists every command without loading their dependencies', async () => {
    const { result, packages, urls } = await flockLoading(['--help']);
    expect(result.code).toBe(0);
    // The log is real: it saw the CLI itself and commander (loaded through require).
    expect(urls.some((url) => url.endsWith('/packages/cli/dist/main.js'))).toBe(true);
    expect(packages).toEqual(new Set(['commander']));
    expect(result.stdout).toMatch(/^Usage: flock /);
    expect(result.stdout).toContain('--version');
    for (const command of ['publish', 'install', 'doc', 'whoami', 'token', 'org']) expect(result.stdout).toMatch(new RegExp(`\\n  ${command} `));
    expect(urls.filter((url) => url.includes('/packages/cli/dist/commands/') && !/\/(index|types)\.js$/.test(url))).toEqual([]);
  });

  // Node 20 loads fetch's implementation (undici, not a module a hook sees) on its first call, which cost more
  // than the rest of whoami: without the global fetch, whoami shows it never calls it.
  it('flock whoami loads its own few dependencies, none of the docs, archive or version ones, and not fetch', async () => {
    const token = await registry.createUser('startup-user');
    const { result, packages } = await flockLoading(['whoami'], { FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token }, '--no-experimental-fetch');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('startup-user\n  startup-user (owner)\n');
    expect(result.code).toBe(0);
    for (const heavy of ['marked', 'sanitize-html', 'semver', 'tar']) expect(packages.has(heavy), heavy).toBe(false);
  });
});
