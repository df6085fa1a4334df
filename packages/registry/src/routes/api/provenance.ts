import { FlockError, isCommitHash, PROVENANCE_HEADERS, stripCredentials, type ProvenanceDto } from '@flock/core';
import type { SourceLineage } from '../../services/publish-flags.js';

// Control characters other than tab and newline (a build command may span lines).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function invalid(header: string, why: string): FlockError {
  return new FlockError('bad_request', `Invalid ${header} header: ${why}`);
}

function decoded(header: string, raw: string, max: number, allowNewlines = false): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw invalid(header, 'not percent-encoded UTF-8');
  }
  if (value.length > max) throw invalid(header, `longer than ${max} characters`);
  if (CONTROL.test(value) || (!allowNewlines && /[\t\n]/.test(value))) throw invalid(header, 'contains control characters');
  return value;
}

function repoPath(header: string, raw: string): string {
  const path = decoded(header, raw, 500);
  if (path === '') return path;
  if (path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid(header, 'must be a relative folder path inside the repository');
  }
  return path;
}

function repository(header: string, raw: string): string {
  const url = decoded(header, raw, 2000);
  // `flock verify` hands it to git clone: a leading '-' would read as an option.
  if (url === '' || url.startsWith('-')) throw invalid(header, 'must be a repository URL or path');
  return stripCredentials(url);
}

/**
 * The provenance `flock publish` sends as request headers, validated here at
 * the edge. No provenance header at all means none (null), as for a publish
 * straight through the API. Repository and commit come together or not at all.
 */
export function parseProvenanceHeaders(header: (name: string) => string | undefined): ProvenanceDto | null {
  const raw = Object.fromEntries(Object.entries(PROVENANCE_HEADERS).map(([key, name]) => [key, header(name)])) as Record<keyof typeof PROVENANCE_HEADERS, string | undefined>;
  // The lineage answer is read by parseLineageHeaders; alone, it is no provenance.
  const { previous: _previous, descends: _descends, ...own } = raw;
  if (Object.values(own).every((v) => v === undefined)) return null;
  const names = PROVENANCE_HEADERS;
  if ((raw.repository === undefined) !== (raw.commit === undefined)) {
    throw new FlockError('bad_request', `Headers ${names.repository} and ${names.commit} must be sent together`);
  }
  if (raw.commit !== undefined && !isCommitHash(raw.commit)) throw invalid(names.commit, 'not a full lowercase hex commit hash');
  if (raw.dirty !== undefined && raw.dirty !== 'true' && raw.dirty !== 'false') throw invalid(names.dirty, 'must be true or false');
  return {
    repository: raw.repository === undefined ? null : repository(names.repository, raw.repository),
    commit: raw.commit ?? null,
    dirty: raw.dirty === 'true',
    path: raw.path === undefined ? '' : repoPath(names.path, raw.path),
    buildCommand: raw.buildCommand === undefined ? null : decoded(names.buildCommand, raw.buildCommand, 2000, true),
  };
}

/**
 * The client's lineage answer (Flock-Source-Previous and Flock-Source-Descends): which commit it
 * took as the previous version's, and whether its commit descends from it. Both or neither; null
 * when absent (a first publish, --allow-dirty, an older client).
 */
export function parseLineageHeaders(header: (name: string) => string | undefined): SourceLineage | null {
  const previous = header(PROVENANCE_HEADERS.previous);
  const descends = header(PROVENANCE_HEADERS.descends);
  if (previous === undefined && descends === undefined) return null;
  if (previous === undefined || descends === undefined) {
    throw new FlockError('bad_request', `Headers ${PROVENANCE_HEADERS.previous} and ${PROVENANCE_HEADERS.descends} must be sent together`);
  }
  if (!isCommitHash(previous)) throw invalid(PROVENANCE_HEADERS.previous, 'not a full lowercase hex commit hash');
  if (descends !== 'true' && descends !== 'false') throw invalid(PROVENANCE_HEADERS.descends, 'must be true or false');
  return { previous, descends: descends === 'true' };
}
