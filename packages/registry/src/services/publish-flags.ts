import { previousOf, type ProvenanceDto, type PublishFlag, type Version } from '@flock/core';
import type { Db } from '../db/connect.js';
import type { VersionRow } from '../db/schema.js';
import type { Publisher } from './publish.js';

/** The client's answer from its clean clone (Flock-Source-Previous / Flock-Source-Descends). */
export interface SourceLineage {
  /** The commit the client took as the previous version's. */
  previous: string;
  /** Whether its commit descends from `previous` (a missing commit object counts as not). */
  descends: boolean;
}

/** The one credential a publish was made with, as versions record it. */
export type Credential = { kind: 'token'; tokenId: string } | { kind: 'session'; userId: string } | { kind: 'trusted'; publisherId: string };

/** The credential of a publish: its trusted publisher, its token, or the user's session when there is none. */
export function credentialOf({ publisher }: { publisher: Publisher }): Credential {
  if (publisher.kind === 'trusted') return { kind: 'trusted', publisherId: publisher.grant.publisher.id };
  const token = publisher.principal.token;
  return token ? { kind: 'token', tokenId: token.id } : { kind: 'session', userId: publisher.principal.userId };
}

/** What of a past version the flags compare with. */
export type PastVersion = Pick<
  VersionRow,
  'version' | 'source_commit' | 'source_dirty' | 'build_command' | 'token_id' | 'publisher_id' | 'trusted_publisher_id'
>;

function publishedWith(v: PastVersion, credential: Credential): boolean {
  if (credential.kind === 'token') return v.token_id === credential.tokenId;
  if (credential.kind === 'trusted') return v.trusted_publisher_id === credential.publisherId;
  return v.token_id === null && v.trusted_publisher_id === null && v.publisher_id === credential.userId;
}

export interface PublishAssessment {
  flags: PublishFlag[];
  /** versions.source_descends: the client's answer, kept only when it named the registry's previous commit. */
  sourceDescends: 0 | 1 | null;
}

export interface AssessInput {
  version: Version;
  provenance: ProvenanceDto | null;
  lineage: SourceLineage | null;
  credential: Credential;
}

/**
 * What is unusual about a publish, compared with the previous version (the highest one below
 * it): a first publish has nothing to compare with and is never flagged. Pure: the caller reads
 * the package's versions (assessPublish).
 */
export function assessVersions(past: readonly PastVersion[], input: AssessInput): PublishAssessment {
  const flags: PublishFlag[] = [];
  let sourceDescends: 0 | 1 | null = null;
  const previous = previousOf(past, input.version);
  if (previous) {
    const { lineage, provenance } = input;
    // The client's answer counts only about the commit the registry has: a client that names
    // another commit (by mistake or to pass) leaves it unknown, never "descends".
    if (lineage !== null && previous.source_commit !== null && lineage.previous === previous.source_commit) {
      sourceDescends = lineage.descends ? 1 : 0;
      if (!lineage.descends) flags.push('orphan-commit');
    }
    // Both recorded: provenance on both sides says which command (or none) built each.
    if (provenance !== null && previous.source_dirty !== null && provenance.buildCommand !== previous.build_command) flags.push('build-changed');
    if (provenance?.dirty === true && previous.source_dirty === 0) flags.push('dirty-after-clean');
  }
  if (past.length > 0 && !past.some((v) => publishedWith(v, input.credential))) flags.push('new-credential');
  return { flags, sourceDescends };
}

/** The flags of a publish into `packageId` (undefined: a new package, never flagged); one query. */
export async function assessPublish(db: Db, packageId: string | undefined, input: AssessInput): Promise<PublishAssessment> {
  if (packageId === undefined) return { flags: [], sourceDescends: null };
  const past = await db
    .selectFrom('versions')
    .select(['version', 'source_commit', 'source_dirty', 'build_command', 'token_id', 'publisher_id', 'trusted_publisher_id'])
    .where('package_id', '=', packageId)
    .execute();
  return assessVersions(past, input);
}

/** versions.flags: a JSON array, null when none. */
export const flagsColumn = (flags: readonly string[]): string | null => (flags.length === 0 ? null : JSON.stringify(flags));

/** The audit subject's suffix for a flagged publish: " (unusual: orphan-commit, new-credential)". */
export const unusualSuffix = (flags: readonly string[]): string => (flags.length === 0 ? '' : ` (unusual: ${flags.join(', ')})`);
