import { isCommitHash, PROVENANCE_HEADERS, previousOf, type PackageDto, type VersionDto } from '@flock/core';
import { PACKAGE_ANSWER, VERSION_ANSWER, readJson, type RegistryClient } from '../client.js';
import type { CommandContext } from '../context.js';
import { runGit } from '../git.js';
import type { Prepared } from './prepare.js';
import type { Source } from './source.js';


/** Where the previous version's commit comes from: the registry's API, or the trusted-publishing exchange's answer. */
export type PreviousCommit = (prepared: Prepared) => Promise<string | null>;

// It goes into git's argument list: only a full hash, never an option.
const fullHash = (commit: string | null | undefined): string | null => (commit != null && isCommitHash(commit) ? commit : null);

/** The previous version's commit as the registry's API has it, or null (first publish, no provenance, any failure). */
export const previousFromRegistry = (client: RegistryClient): PreviousCommit => async (prepared) => {
  const { org, name, version } = prepared.member.manifest.package;
  const found = await client.request(`api/v1/packages/${org}/${name}`, { auth: true });
  if (!found.ok) return null;
  const previous = previousOf(readJson<PackageDto>(found, PACKAGE_ANSWER).versions, version);
  if (previous === undefined || !/^[0-9A-Za-z.+-]+$/.test(previous.version)) return null;
  const answer = await client.request(`api/v1/packages/${org}/${name}/${previous.version}`, { auth: true });
  if (!answer.ok) return null;
  return fullHash(readJson<VersionDto>(answer, VERSION_ANSWER).provenance?.commit);
};

/** The previous version's commit from a list of the package's versions (the exchange's answer). */
export const previousFromList = (versions: ReadonlyArray<{ version: string; commit: string | null }>): PreviousCommit => async (prepared) =>
  fullHash(previousOf(versions, prepared.member.manifest.package.version)?.commit);

/**
 * The lineage answer for the registry's unusual-publish check: does this commit descend from
 * the previous version's? Asked in the clean clone (cloned --shared from the publisher's
 * repository, so its history is there). A missing commit object counts as not descending.
 * Nothing is sent with --allow-dirty, for a first publish, or when the registry could not say
 * which commit came before: the registry then records "unknown".
 */
export async function lineageHeaders(ctx: CommandContext, previousCommit: PreviousCommit, prepared: Prepared, source: Source): Promise<Record<string, string>> {
  if (source.info.dirty || source.info.commit === null) return {};
  let previous: string | null;
  try {
    previous = await previousCommit(prepared);
  } catch {
    // An answer flock cannot read is no reason to stop here: the upload that follows reports the registry's state.
    return {};
  }
  if (previous === null) return {};
  const check = await runGit(['merge-base', '--is-ancestor', previous, 'HEAD'], { cwd: source.root, env: ctx.env });
  return { [PROVENANCE_HEADERS.previous]: previous, [PROVENANCE_HEADERS.descends]: String(check.code === 0) };
}
