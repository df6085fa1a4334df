import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { stripCredentials } from '@flock/core';
import { CliExit } from './context.js';

/**
 * Git, always through the `git` binary with an argument list (never a shell
 * string), so no path or URL is ever interpreted by a shell.
 */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runGit(args: string[], options: { cwd: string; env?: Readonly<Record<string, string | undefined>> }): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error.code === 'ENOENT' ? new CliExit('git is not installed (flock publish needs the `git` command)') : error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

async function gitOut(args: string[], cwd: string, env?: Readonly<Record<string, string | undefined>>): Promise<string> {
  const result = await runGit(args, { cwd, ...(env ? { env } : {}) });
  if (result.code !== 0) throw new CliExit(`git ${args[0]} failed: ${firstLine(result.stderr) || `exit code ${result.code}`}`);
  return result.stdout;
}

const firstLine = (text: string): string => text.trim().split('\n')[0] ?? '';

export interface GitState {
  /** The repository's top folder. */
  root: string;
  /** The package folder relative to root, '/'-separated, '' for the root itself. */
  path: string;
  commit: string;
  /** The remote's URL with credentials stripped; null when there is no remote. */
  remoteUrl: string | null;
  /** Tracked files that are modified or staged, relative to root. */
  changed: string[];
  /** Whether some remote-tracking branch contains the commit. */
  pushed: boolean;
}

/** The URL of `origin`, else of the first remote, else null. */
async function remoteUrl(root: string, env?: Readonly<Record<string, string | undefined>>): Promise<string | null> {
  const remotes = (await gitOut(['remote'], root, env)).split('\n').filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  if (remote === undefined) return null;
  const url = (await gitOut(['remote', 'get-url', remote], root, env)).trim();
  return stripCredentials(url);
}

/** Reads everything the publish checks need, or null when `dir` is not inside a git work tree. */
export async function readGitState(dir: string, env?: Readonly<Record<string, string | undefined>>): Promise<GitState | null> {
  const top = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir, ...(env ? { env } : {}) });
  if (top.code !== 0) return null;
  const root = top.stdout.trim();
  const head = await runGit(['rev-parse', '--verify', 'HEAD'], { cwd: root, ...(env ? { env } : {}) });
  if (head.code !== 0) throw new CliExit(`The git repository at ${root} has no commits yet; commit and push the package first`);
  const commit = head.stdout.trim();
  // The rest are independent reads: run at once, they cost one git start-up instead of four.
  const [status, containing, url, real] = await Promise.all([
    // -z: paths verbatim (no quoting); untracked files are not our concern (they never reach the archive).
    gitOut(['status', '--porcelain=v1', '-z', '--untracked-files=no'], root, env),
    gitOut(['branch', '--remotes', '--contains', commit], root, env),
    remoteUrl(root, env),
    realpath(dir),
  ]);
  // git prints the real path of the top folder; compare like with like when `dir` goes through a symlink.
  const path = relative(root, real).split(sep).join('/');
  return { root, path, commit, remoteUrl: url, changed: parsePorcelain(status), pushed: containing.trim().length > 0 };
}

/** Paths from `git status --porcelain=v1 -z`; a rename's entry is followed by its source path, which we skip. */
function parsePorcelain(text: string): string[] {
  const fields = text.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    paths.push(field.slice(3));
    if (field[0] === 'R' || field[0] === 'C') i++;
  }
  return paths.sort();
}

/** "a, b, c and 3 more": the first ten, then a count. */
export function listSome(items: string[], max = 10): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * The publish checks, in the order a user fixes them. Each failure is one
 * line naming what is wrong; --allow-dirty skips them all.
 */
export function checkPublishable(state: GitState | null, dir: string): GitState {
  if (state === null) {
    throw new CliExit(`${dir} is not in a git repository; flock publish packs a pushed commit (use --allow-dirty to skip the git checks)`);
  }
  if (state.changed.length > 0) {
    throw new CliExit(`Tracked files have uncommitted changes: ${listSome(state.changed)} (commit and push them, or use --allow-dirty)`);
  }
  if (state.remoteUrl === null) {
    throw new CliExit(`The git repository at ${state.root} has no remote; add one and push (or use --allow-dirty)`);
  }
  if (!state.pushed) {
    throw new CliExit(`Commit ${state.commit.slice(0, 12)} is not on any remote branch; push it first (or use --allow-dirty)`);
  }
  return state;
}

/**
 * A fresh clone of `source` checked out at `commit` in `dest`. --no-checkout
 * then checkout of the exact commit works for any commit on a fetched branch,
 * not only branch tips; --no-hardlinks keeps a local clone independent.
 */
export async function cloneAt(
  source: string,
  commit: string,
  dest: string,
  env?: Readonly<Record<string, string | undefined>>,
  options: { shared?: boolean } = {},
): Promise<void> {
  // `flock verify` gets source and commit from the registry: `--` keeps a source like "--upload-pack=…"
  // a path, and only a hash may reach checkout's argument list.
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) throw new CliExit(`Invalid commit ${JSON.stringify(commit)}: expected a full git hash`);
  // --shared (the publisher's own repository, for a clone that lives only as long as the publish):
  // the clone reads the repository's objects in place instead of copying them all.
  const sharing = options.shared ? '--shared' : '--no-hardlinks';
  const clone = await runGit(['clone', '--quiet', '--no-checkout', sharing, '--', source, dest], { cwd: dirname(dest), ...(env ? { env } : {}) });
  if (clone.code !== 0) throw new CliExit(`Could not clone ${source}: ${firstLine(clone.stderr)}`);
  const checkout = await runGit(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], { cwd: dest, ...(env ? { env } : {}) });
  if (checkout.code !== 0) throw new CliExit(`Commit ${commit} is not in ${source}: ${firstLine(checkout.stderr)}`);
}

/** Tracked files under `path` (relative to the clone's root, '' for all), '/'-separated and relative to `path`. */
export async function trackedFiles(root: string, path: string, env?: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  const args = ['ls-files', '-z', '--full-name'];
  if (path !== '') args.push('--', path);
  const out = await gitOut(args, root, env);
  const prefix = path === '' ? '' : `${path}/`;
  return out.split('\0').filter(Boolean).map((p) => p.slice(prefix.length)).sort();
}
