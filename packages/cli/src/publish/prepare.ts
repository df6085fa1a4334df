import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseOrgName, withOrg, type FlockError, type Manifest, type OrgName } from '@flock/core';
import { CliExit, type CommandContext } from '../context.js';
import { writeDocs } from '../docs-output.js';
import { runBuild } from './build.js';
import { packPackage, selectFiles, type PackedPackage } from './pack-project.js';
import { joinRepoPath, type Source } from './source.js';
import { listMemberPaths, readFlockToml, type Member } from './workspace.js';

/** Which packages a publish is about: the one in the folder, one workspace member by name, or all members. */
export type Selection = { kind: 'single' } | { kind: 'name'; name: string } | { kind: 'all' };

/** --org, else FLOCK_ORG, else the manifest's org; "No org specified." (the seed's message) when none is set. */
export function effectiveOrg(ctx: CommandContext, manifestOrg: OrgName | undefined, orgFlag?: string): OrgName {
  const raw = orgFlag?.trim() || ctx.env.FLOCK_ORG?.trim() || manifestOrg;
  if (!raw) throw new CliExit('No org specified.');
  try {
    return parseOrgName(raw);
  } catch (error) {
    throw new CliExit((error as FlockError).message);
  }
}

function withEffectiveOrg(ctx: CommandContext, manifest: Manifest, orgFlag: string | undefined): Manifest {
  return withOrg(manifest, effectiveOrg(ctx, manifest.package.org, orgFlag));
}

/** Reads the selected packages' manifests from the source (the clean clone, so what is committed is what counts). */
export async function loadMembers(ctx: CommandContext, source: Source, selection: Selection, orgFlag?: string): Promise<Member[]> {
  const base = join(source.root, source.projectPath);
  const top = await readFlockToml(base);
  if (selection.kind === 'single') {
    if (!top?.manifest) throw new CliExit('No package in flock.toml of this commit (is flock.toml committed?)');
    return [{ path: '', manifest: withEffectiveOrg(ctx, top.manifest, orgFlag) }];
  }
  if (!top?.workspace) throw new CliExit('No [workspace] in flock.toml of this commit (is flock.toml committed?)');
  const members: Member[] = [];
  for (const path of await listMemberPaths(base, top.workspace.members)) {
    const parsed = await readFlockToml(join(base, path), `${path}/flock.toml`);
    if (!parsed?.manifest) throw new CliExit(`${path}/flock.toml: package: is required (workspace members are packages)`);
    members.push({ path, manifest: withEffectiveOrg(ctx, parsed.manifest, orgFlag) });
  }
  if (selection.kind === 'all') return members;
  const wanted = members.filter((m) => m.manifest.package.name === selection.name || `${m.manifest.package.org}/${m.manifest.package.name}` === selection.name);
  if (wanted.length === 0) {
    throw new CliExit(`No workspace member is named ${selection.name} (members: ${members.map((m) => m.manifest.package.name).join(', ')})`);
  }
  return wanted;
}

export interface Prepared {
  member: Member;
  /** The package's folder inside the repository ('' for its root). */
  repoPath: string;
  buildCommand: string | null;
  packed: PackedPackage;
  /** The `wrote N modules, M items (Json) → DIR` line. */
  docsLine: string;
}

/** Builds (if `[build] command` is set) and packs one package from the source, and writes its docs JSON. */
export async function prepareMember(ctx: CommandContext, source: Source, member: Member): Promise<Prepared> {
  const repoPath = joinRepoPath(source.projectPath, member.path);
  const dir = join(source.root, repoPath);
  const buildCommand = member.manifest.build?.command ?? null;
  if (buildCommand !== null) await runBuild(buildCommand, dir, ctx);
  const files = await selectFiles(dir, await source.tracked(repoPath), member.manifest);
  const packed = await packPackage(dir, files, member.manifest);
  const { name, version } = member.manifest.package;
  const docsLine = await writeDocs(packed.docs, 'json', await ownDocsDir(join(ctx.tmpdir, `flock-docs-${name}-${version}`)));
  return { member, repoPath, buildCommand, packed, docsLine };
}

/**
 * The seed's docs folder, /tmp/flock-docs-NAME-VERSION, kept for the user to look at. /tmp is
 * shared and the name predictable: use the folder only if it is a real folder of ours that nobody
 * else can write to, so no one can plant a link there that the docs JSON would be written through.
 */
async function ownDocsDir(dir: string): Promise<string> {
  await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const info = await lstat(dir);
  const ours = info.isDirectory() && (process.getuid === undefined || info.uid === process.getuid()) && (info.mode & 0o022) === 0;
  if (!ours) throw new CliExit(`${dir} is not a folder of yours that only you can write to: remove it and try again`);
  return dir;
}
