import type { RebuildDto } from './api.js';

/** How many differing paths a rebuild records (the rest are counted): the detail stays small. */
export const MAX_REBUILD_PATHS = 100;

/** At most this many paths are named in one line of text (page, `flock show`); the page lists all recorded ones. */
const SHOWN_PATHS = 10;

/**
 * A rebuild's outcome in words, after "Rebuilt by the registry: " (the page) or
 * "Rebuild: " (`flock show`): "reproduced", "only the compression differs",
 * "differs: src/a.ks, README.md", "not verifiable: published with uncommitted changes".
 */
export function describeRebuild(rebuild: Pick<RebuildDto, 'status' | 'detail'>): string {
  const detail = rebuild.detail ?? {};
  const isolation = detail.isolation === 'none' ? ' (built with network access)' : '';
  switch (rebuild.status) {
    case 'running':
      return 'in progress';
    case 'reproduced':
      return `reproduced${isolation}`;
    case 'compression-differs':
      return `only the compression differs${isolation}`;
    case 'differs': {
      const paths = detail.paths ?? [];
      const more = (detail.more ?? 0) + Math.max(0, paths.length - SHOWN_PATHS);
      return `differs: ${paths.slice(0, SHOWN_PATHS).join(', ')}${more > 0 ? ` and ${more} more` : ''}${isolation}`;
    }
    case 'not-verifiable':
      return `not verifiable: ${detail.reason ?? 'no recorded source'}`;
    case 'failed':
      return `failed: ${detail.reason ?? 'unknown error'}${isolation}`;
    default:
      return String(rebuild.status);
  }
}
