import { compareVersions, type Version } from './versions.js';

/**
 * Unusual publishes (issue 14): what the registry marks on a version when it
 * differs from the version before it, and how each mark reads in plain words.
 */
export const PUBLISH_FLAGS = ['orphan-commit', 'build-changed', 'dirty-after-clean', 'new-credential'] as const;
export type PublishFlag = (typeof PUBLISH_FLAGS)[number];

/** The version a flag compares with: its number, and its commit when known. */
export interface PreviousVersion {
  version: string;
  commit: string | null;
}

/** One flag in words, naming the previous version when it is known ("Built with a different command than 1.2.0"). */
export function describeFlag(flag: string, previous: PreviousVersion | null = null): string {
  const before = previous?.version ?? 'the previous version';
  switch (flag) {
    case 'orphan-commit':
      return `Its commit does not descend from ${before}'s commit${previous?.commit ? ` ${previous.commit.slice(0, 7)}` : ''}`;
    case 'build-changed':
      return `Built with a different command than ${before}`;
    case 'dirty-after-clean':
      return 'Published with uncommitted changes after clean publishes';
    case 'new-credential':
      return 'Published with a credential that never published this package before';
    default:
      return flag;
  }
}

/**
 * The previous version of `version`: the highest of `versions` lower than it (yanked ones
 * included), or undefined when there is none (a first publish, or one below every other).
 */
export function previousOf<T extends { version: string }>(versions: readonly T[], version: string): T | undefined {
  let best: T | undefined;
  for (const v of versions) {
    if (compareVersions(v.version as Version, version as Version) >= 0) continue;
    if (best === undefined || compareVersions(v.version as Version, best.version as Version) > 0) best = v;
  }
  return best;
}

/** GET /api/v1/packages/:org/:name/held: one publish held for an owner's approval (or rejected). */
export interface HeldVersionDto {
  version: string;
  flags: string[];
  heldAt: string;
  publisher: string;
  /** Set when an owner rejected it: it stays invisible and its number stays taken. */
  rejectedAt: string | null;
  decidedBy: string | null;
  provenance: {
    repository: string | null;
    commit: string | null;
    dirty: boolean;
    path: string;
    buildCommand: string | null;
  } | null;
}

/** The answer to a publish that was held (202). */
export interface HeldPublishResponse {
  ok: true;
  checksum: string;
  held: true;
  flags: string[];
}
