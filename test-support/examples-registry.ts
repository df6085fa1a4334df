import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexLineDto } from '@flock/core';
import { copyExample, tempDir } from './cli.js';
import { publishProject } from './publish.js';
import { createTestRegistry, type TestRegistry } from './registry.js';

/**
 * "Depend on It": a real registry where your-name has published examples/palette and
 * examples/banner (banner needs palette ^0.1.0), a HOME for flock, and the calls the
 * dependency tests share. Each test file makes its own.
 */
export interface ExamplesRegistry {
  registry: TestRegistry;
  dir: { path: string; cleanup(): Promise<void> };
  /** your-name's token, every scope. */
  token: string;
  home: string;
  /** The environment flock runs with: this HOME, this registry, this token, plus `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** A new folder holding a flock.toml for package "app" version 0.1.0, then `deps`. */
  newProject(deps?: string): Promise<string>;
  /** Publishes examples/palette again, as `version`. */
  publishPaletteVersion(version: string): Promise<void>;
  /** A package's sparse index, line by line. */
  index(pkg: string): Promise<IndexLineDto[]>;
  close(): Promise<void>;
}

/** Throws with flock's output when a publish the set-up relies on fails. */
async function publishOrThrow(project: string, env: Record<string, string>): Promise<void> {
  const result = await publishProject(project, env);
  if (result.code !== 0) throw new Error(`publishing ${project} failed (${result.code}): ${result.stderr}${result.stdout}`);
}

export async function createExamplesRegistry(): Promise<ExamplesRegistry> {
  const registry = await createTestRegistry();
  const dir = await tempDir();
  const home = join(dir.path, 'home');
  let projects = 0;
  try {
    await mkdir(home);
    const token = await registry.createUser('your-name');
    const env = (extra: Record<string, string> = {}) => ({ HOME: home, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token, ...extra });
    for (const example of ['palette', 'banner'] as const) await publishOrThrow(await copyExample(example, dir.path), env());
    return {
      registry, dir, token, home, env,
      async newProject(deps = '') {
        const root = join(dir.path, `project-${++projects}`);
        await mkdir(root, { recursive: true });
        await writeFile(join(root, 'flock.toml'), `[package]\nname = "app"\nversion = "0.1.0"\n${deps}`);
        return root;
      },
      async publishPaletteVersion(version) {
        const copy = await copyExample('palette', join(dir.path, `palette-${version}`));
        const toml = await readFile(join(copy, 'flock.toml'), 'utf8');
        await writeFile(join(copy, 'flock.toml'), toml.replace('version = "0.1.0"', `version = "${version}"`));
        await publishOrThrow(copy, env());
      },
      async index(pkg) {
        const text = await (await fetch(`${registry.url}/index/${pkg}`)).text();
        return text.trim().split('\n').map((l) => JSON.parse(l) as IndexLineDto);
      },
      async close() {
        await registry.close();
        await dir.cleanup();
      },
    };
  } catch (error) {
    await registry.close();
    await dir.cleanup();
    throw error;
  }
}
