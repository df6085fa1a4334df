import { parse as parseToml, stringify as stringifyToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { parseDuration, type Duration } from './duration.js';
import { FlockError } from './errors.js';
import { parseOrgName, parsePackageName, parsePackageRef, type OrgName, type PackageName } from './names.js';
import { parseVersion, parseVersionRange, type Version, type VersionRange } from './versions.js';

export type Visibility = 'public' | 'private';

export interface Manifest {
  package: {
    name: PackageName;
    version: Version;
    org?: OrgName;
    description?: string;
    license?: string;
    keywords: string[];
    repository?: string;
    visibility: Visibility;
    include: string[];
    exclude: string[];
  };
  /** "org/name" → range, sorted by key. */
  dependencies: Record<string, VersionRange>;
  build?: { command: string };
  workspace?: { members: string[] };
  /** How this project installs its dependencies; never packed (it is the consumer's choice, not the package's). */
  install?: { minPublishAge?: Duration };
}

// Branded parsers wrapped for zod, so a bad value reports the parser's own message.
function branded<T>(parse: (raw: string) => T) {
  return z.string().transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

const shortText = (max: number) => z.string().max(max, `at most ${max} characters`);

const packageSchema = z.strictObject({
  name: branded(parsePackageName),
  version: branded(parseVersion),
  org: branded(parseOrgName).optional(),
  description: shortText(1000).optional(),
  license: shortText(200).optional(),
  keywords: z.array(shortText(50)).max(20, 'at most 20 keywords').default([]),
  repository: shortText(2000).optional(),
  visibility: z.enum(['public', 'private']).default('public'),
  include: z.array(shortText(500)).default([]),
  exclude: z.array(shortText(500)).default([]),
});

const manifestSchema = z.strictObject({
  // Optional only so a workspace root (just `[workspace]`) parses; parseManifest still requires it.
  package: packageSchema.optional(),
  dependencies: z
    .record(z.string(), branded(parseVersionRange))
    .default({})
    .superRefine((deps, ctx) => {
      for (const key of Object.keys(deps)) {
        try {
          parsePackageRef(key);
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: [key], message: (error as Error).message });
        }
      }
    }),
  build: z.strictObject({ command: z.string().min(1, 'must not be empty') }).optional(),
  workspace: z.strictObject({ members: z.array(shortText(500)).min(1, 'must list at least one member glob') }).optional(),
  install: z.strictObject({ 'min-publish-age': branded(parseDuration).optional() }).optional(),
});

/** Finds the 1-based line that defines `path` (e.g. ["package","name"]) in TOML text, best effort. */
function lineOf(text: string, path: readonly PropertyKey[]): number | undefined {
  const lines = text.split(/\r?\n/);
  const [table, key] = path.map(String);
  let current = '';
  let tableLine: number | undefined;
  for (const [index, line] of lines.entries()) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      current = header[1]!;
      if (current === table) tableLine = index + 1;
      continue;
    }
    if (current === table && key !== undefined) {
      const keyMatch = /^\s*("([^"]*)"|'([^']*)'|[A-Za-z0-9_-]+)\s*=/.exec(line);
      const found = keyMatch && (keyMatch[2] ?? keyMatch[3] ?? keyMatch[1]);
      if (found === key) return index + 1;
    }
  }
  return tableLine;
}

/** A flock.toml that is a package, a workspace root, or both. */
export interface FlockToml {
  manifest: Manifest | null;
  workspace: { members: string[] } | null;
}

/**
 * Parses any flock.toml: a package (`[package]`), a workspace root
 * (`[workspace] members = [...]`, `[package]` optional), or both.
 * Errors are one line naming the file and line, as parseManifest's.
 */
export function parseFlockToml(text: string, file = 'flock.toml'): FlockToml {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new FlockError('invalid_manifest', `${file}:${error.line}: ${reason}`);
    }
    throw new FlockError('invalid_manifest', `${file}: ${(error as Error).message}`);
  }
  // Neither table at all: say what is missing before any other complaint.
  const table = raw as Record<string, unknown>;
  if (table.package === undefined && table.workspace === undefined) {
    throw new FlockError('invalid_manifest', `${file}: package: is required`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const line = lineOf(text, issue.path);
    const path = issue.path.map(String).join('.');
    // A key can be as long as the user made it: the message stays one short line.
    const where = path.length === 0 ? '' : `${path.length > 120 ? `${path.slice(0, 120)}…` : path}: `;
    // zod does not report the input by default: look it up, so "is required" is said only of what is absent.
    const absent = issue.path.reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined), raw) === undefined;
    const message = issue.code === 'invalid_type' && absent ? 'is required' : issue.message;
    throw new FlockError('invalid_manifest', `${file}${line ? `:${line}` : ''}: ${where}${message}`);
  }
  const value = result.data;
  const workspace = value.workspace ? { members: value.workspace.members } : null;
  if (!value.package) return { manifest: null, workspace };
  const dependencies: Record<string, VersionRange> = {};
  for (const key of Object.keys(value.dependencies).sort()) dependencies[key] = value.dependencies[key]!;
  const pkg = Object.fromEntries(Object.entries(value.package).filter(([, v]) => v !== undefined));
  const manifest: Manifest = {
    package: pkg as Manifest['package'],
    dependencies,
    ...(value.build ? { build: value.build } : {}),
    ...(workspace ? { workspace } : {}),
    ...(value.install?.['min-publish-age'] ? { install: { minPublishAge: value.install['min-publish-age'] } } : {}),
  };
  return { manifest, workspace };
}

/**
 * Parses a package's flock.toml text. Every error is one line, naming the file and the line:
 * `flock.toml:3: package.name: Invalid package name "Pal": …`. A workspace root
 * without `[package]` is refused here; use parseFlockToml to accept one.
 */
export function parseManifest(text: string, file = 'flock.toml'): Manifest {
  const parsed = parseFlockToml(text, file);
  if (!parsed.manifest) {
    throw new FlockError('invalid_manifest', `${file}: package: is required (this is a workspace root; publish one of its members)`);
  }
  return parsed.manifest;
}

/**
 * The normalised flock.toml packed into an archive: the effective org filled in,
 * defaults written out, keys in a fixed order, so the registry reads exactly what
 * the CLI meant and the bytes do not depend on how the author formatted the file.
 */
export function renderManifest(manifest: Manifest): string {
  const p = manifest.package;
  const pkg: Record<string, unknown> = { name: p.name, version: p.version };
  if (p.org !== undefined) pkg.org = p.org;
  if (p.description !== undefined) pkg.description = p.description;
  if (p.license !== undefined) pkg.license = p.license;
  if (p.keywords.length > 0) pkg.keywords = p.keywords;
  if (p.repository !== undefined) pkg.repository = p.repository;
  pkg.visibility = p.visibility;
  if (p.include.length > 0) pkg.include = p.include;
  if (p.exclude.length > 0) pkg.exclude = p.exclude;
  const doc: Record<string, unknown> = { package: pkg };
  if (Object.keys(manifest.dependencies).length > 0) doc.dependencies = manifest.dependencies;
  if (manifest.build) doc.build = manifest.build;
  return `${stringifyToml(doc)}\n`;
}

/** The manifest with `org` replaced, e.g. by FLOCK_ORG for one publish. */
export function withOrg(manifest: Manifest, org: OrgName): Manifest {
  return { ...manifest, package: { ...manifest.package, org } };
}
