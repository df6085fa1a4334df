import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { checkPublishable, cloneAt, readGitState, trackedFiles } from '../git.js';
import { withTempDir } from './temp-clone.js';

/** What the registry records about where a version came from. */
export interface SourceInfo {
  repository: string | null;
  commit: string | null;
  dirty: boolean;
}

/** Where packages are built and packed from: a clean clone, or (with --allow-dirty) the working folder. */
export interface Source {
  /** The top folder to pack from: the clone's root, or the working repository's (or project's) folder. */
  root: string;
  /** The project folder's path inside `root` ('' for root itself), '/'-separated. */
  projectPath: string;
  /** Tracked files under `path` (relative to root), relative to that path; null outside git. */
  tracked(path: string): Promise<string[] | null>;
  info: SourceInfo;
}

/**
 * Runs the publish checks on the git repository holding `projectDir`, clones
 * it at the current commit into a temporary folder, and runs `fn` against
 * that clone; the clone is removed afterwards, whatever happens. With
 * `allowDirty` the checks and the clone are skipped and `fn` works on the
 * working folder itself, recorded as dirty.
 */
export async function withSource<T>(
  ctx: CommandContext,
  options: { projectDir: string; allowDirty: boolean },
  fn: (source: Source) => Promise<T>,
): Promise<T> {
  const state = await readGitState(options.projectDir, ctx.env);
  if (options.allowDirty) {
    const root = state?.root ?? options.projectDir;
    return fn({
      root,
      projectPath: state?.path ?? '',
      tracked: async (path) => (state ? trackedFiles(root, path, ctx.env) : null),
      // A commit is worth recording only with a repository to fetch it from (the registry takes both or neither).
      info: state?.remoteUrl ? { repository: state.remoteUrl, commit: state.commit, dirty: true } : { repository: null, commit: null, dirty: true },
    });
  }
  const clean = checkPublishable(state, options.projectDir);
  return withTempDir(ctx, 'flock-publish-', async (tmp) => {
    const clone = join(tmp, 'repo');
    // Cloning the local repository gives exactly the pushed commit (the checks proved it is on the remote) without the network.
    await cloneAt(clean.root, clean.commit, clone, ctx.env, { shared: true });
    return fn({
      root: clone,
      projectPath: clean.path,
      tracked: (path) => trackedFiles(clone, path, ctx.env),
      info: { repository: clean.remoteUrl, commit: clean.commit, dirty: false },
    });
  });
}

/** Joins '/'-separated repository paths, '' meaning the root. */
export function joinRepoPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
