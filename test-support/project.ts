import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'smol-toml';
import { publishProject } from './publish.js';
import type { RunResult } from './cli.js';

export interface ProjectSpec {
  org: string;
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  visibility?: 'public' | 'private';
  dependencies?: Record<string, string>;
}

/** Writes a minimal package folder (flock.toml, README, one module) under `dir` and returns its path. */
export async function writeProject(dir: string, spec: ProjectSpec): Promise<string> {
  const root = join(dir, `${spec.org}-${spec.name}-${spec.version}`);
  await mkdir(join(root, 'src'), { recursive: true });
  const pkg: Record<string, unknown> = { name: spec.name, version: spec.version, org: spec.org };
  if (spec.description) pkg.description = spec.description;
  if (spec.keywords) pkg.keywords = spec.keywords;
  if (spec.visibility) pkg.visibility = spec.visibility;
  const doc: Record<string, unknown> = { package: pkg };
  if (spec.dependencies) doc.dependencies = spec.dependencies;
  await writeFile(join(root, 'flock.toml'), `${stringify(doc)}\n`);
  await writeFile(join(root, 'README.md'), `# ${spec.name}\n\n${spec.description ?? ''}\n`);
  await writeFile(join(root, 'src', `${spec.name.replace(/-/g, '_')}.ks`), `/// The ${spec.name} module.\npub fn hello() -> Int { 1 }\n`);
  return root;
}

/** Writes the package and publishes it with the real `flock publish`; throws with the CLI's output when that fails. */
export async function publishSpec(dir: string, spec: ProjectSpec, env: Record<string, string | undefined>): Promise<RunResult> {
  const result = await publishProject(await writeProject(dir, spec), env);
  if (result.code !== 0) throw new Error(`publishing ${spec.org}/${spec.name}@${spec.version} failed:\n${result.stdout}${result.stderr}`);
  return result;
}
