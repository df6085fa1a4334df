import { join } from 'node:path';
import {
  diffArchives, FlockError, parseOrgName, parsePackageSpec, parseVersion, sameFiles, sha256Hex, withOrg, type ArchiveDiff, type VersionDto,
} from '@flock/core';
import { rawFailure } from '../api-error.js';
import { logClient, readJson, registryClient, VERSION_ANSWER } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { cloneAt, trackedFiles } from '../git.js';
import { prepareMember } from '../publish/prepare.js';
import { withTempDir } from '../publish/temp-clone.js';
import { readFlockToml } from '../publish/workspace.js';
import type { Run } from './types.js';

/** "org/name@version" → its parts, validated. */
function parseVersionRef(raw: string): { org: string; name: string; version: string } {
  if (!raw.includes('@')) throw new CliExit(`Expected org/name@version, got "${raw}"`);
  try {
    const { ref, suffix } = parsePackageSpec(raw);
    return { org: ref.org, name: ref.name, version: parseVersion(suffix!) };
  } catch (error) {
    throw new CliExit((error as FlockError).message);
  }
}

async function fetchVersion(ctx: CommandContext, ref: { org: string; name: string; version: string }) {
  const client = await registryClient(ctx);
  const path = `api/v1/packages/${ref.org}/${ref.name}/${ref.version}`;
  const meta = await client.request(path, { auth: true });
  if (!meta.ok) throw new CliExit(rawFailure(meta));
  const dto = readJson<VersionDto>(meta, VERSION_ANSWER);
  const download = await client.request(`${path}/download`, { auth: true });
  if (!download.ok) throw new CliExit(rawFailure(download));
  return { dto, archive: download.bytes };
}

/** Clones the recorded repository at the recorded commit and builds and packs the package exactly as publish did. */
async function rebuild(ctx: CommandContext, dto: VersionDto, tmp: string): Promise<Buffer> {
  const { repository, commit, path } = dto.provenance!;
  // The path comes from the registry: it must stay inside the clone.
  if (path.startsWith('/') || path.split(/[\\/]/).includes('..')) throw new CliExit(`The recorded package path ${JSON.stringify(path)} is outside the repository`);
  const clone = join(tmp, 'repo');
  await cloneAt(repository!, commit!, clone, ctx.env);
  const parsed = await readFlockToml(join(clone, path), path === '' ? 'flock.toml' : `${path}/flock.toml`);
  if (!parsed?.manifest) throw new CliExit(`No package in ${path || '.'}/flock.toml at commit ${commit}`);
  const manifest = withOrg(parsed.manifest, parseOrgName(dto.org));
  const source = { root: clone, projectPath: '', tracked: (p: string) => trackedFiles(clone, p, ctx.env), info: { repository, commit, dirty: false } };
  const prepared = await prepareMember(ctx, source, { path, manifest });
  return prepared.packed.archive;
}

function report(ctx: CommandContext, diff: ArchiveDiff): void {
  if (sameFiles(diff)) {
    ctx.out('The unpacked files are identical: only the compressed bytes differ, so the archives were compressed by a different gzip implementation.');
    return;
  }
  for (const path of diff.changed) ctx.out(`differs: ${path}`);
  for (const path of diff.onlyInRegistry) ctx.out(`only in the registry's archive: ${path}`);
  for (const path of diff.onlyInRebuild) ctx.out(`only in the rebuild: ${path}`);
}

/**
 * The version's publish record must be in the registry's verified transparency log, naming these
 * bytes. A mismatch is returned (one line), not thrown: the rebuild still runs, so the report
 * also says which files differ. A log that is not consistent with the one seen before still stops here.
 */
async function checkLogged(ctx: CommandContext, label: string, dto: VersionDto, archive: Uint8Array): Promise<string | null> {
  const { checkVersionsInLog } = await import('../log/inclusion.js');
  const { noteNoLog, verifyLogHead } = await import('../log/head.js');
  const client = await logClient(ctx);
  const log = await verifyLogHead(ctx, client);
  if (log === null) return noteNoLog(ctx, client), null;
  // The log's record must name the bytes downloaded, not only what the registry's JSON says.
  const checksum = `sha256:${sha256Hex(archive)}`;
  try {
    await checkVersionsInLog(ctx, client, log, [{ package: `${dto.org}/${dto.name}`, version: dto.version, checksum, checksumFrom: 'the downloaded archive' }], '', () => verifyLogHead(ctx, client));
  } catch (error) {
    if (error instanceof CliExit) return error.message;
    throw error;
  }
  ctx.err(`${label} is in the registry's transparency log (checkpoint of ${log.checkpoint.size} record${log.checkpoint.size === 1 ? '' : 's'})`);
  return null;
}

export const verify: Run = async (args, _options, ctx) => {
  const ref = parseVersionRef(args[0] ?? '');
  const label = `${ref.org}/${ref.name}@${ref.version}`;
  const { dto, archive } = await fetchVersion(ctx, ref);
  const notLogged = await checkLogged(ctx, label, dto, archive);
  if (notLogged !== null) ctx.out(notLogged);
  if (!dto.provenance?.repository || !dto.provenance.commit) {
    throw new CliExit(`${label} was published without a repository and commit, so it cannot be rebuilt`);
  }
  const expected = sha256Hex(archive);
  ctx.err(`Rebuilding ${label} from ${dto.provenance.repository} at ${dto.provenance.commit}...`);
  const rebuilt = await withTempDir(ctx, 'flock-verify-', (tmp) => rebuild(ctx, dto, tmp));
  const actual = sha256Hex(rebuilt);
  if (actual === expected) {
    ctx.out(`verified ${label} sha256:${actual}`);
    return notLogged === null ? 0 : 1;
  }
  ctx.out(`MISMATCH ${label}: the registry has sha256:${expected}, the rebuild gives sha256:${actual}`);
  if (dto.provenance.dirty) ctx.out('(this version was published with --allow-dirty, from files that were not all committed)');
  report(ctx, await diffArchives(archive, rebuilt));
  return 1;
};
