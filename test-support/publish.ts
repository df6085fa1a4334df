import { execFile } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFlock, type RunResult } from './cli.js';

/**
 * Git for tests: a fixed identity and no global or system config, so the
 * developer's ~/.gitconfig (signing, hooks, default branch) never matters.
 * HOME stays the test runner's own.
 */
export const GIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: 'Flock Test',
  GIT_AUTHOR_EMAIL: 'test@flock.invalid',
  GIT_COMMITTER_NAME: 'Flock Test',
  GIT_COMMITTER_EMAIL: 'test@flock.invalid',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** Runs git in `cwd` and returns its stdout; throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: { ...process.env, ...GIT_ENV } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

// Marks a repository publishProject made itself, so it may commit and push later changes to it.
const MANAGED = 'flock-test-managed';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** The bare repository initGitPackage makes as `origin`: inside .git, so it never shows up among the package's files. */
export const remoteOf = (dir: string): string => join(dir, '.git', 'flock-test-remote.git');

/**
 * Makes `dir` a git repository on branch main with everything in it
 * committed; with `remote` (the default) adds a bare repository as origin,
 * and with `push` (the default) pushes the commit there. Returns the remote's path.
 */
export async function initGitPackage(dir: string, options: { remote?: boolean; push?: boolean } = {}): Promise<string> {
  await git(dir, '-c', 'init.defaultBranch=main', 'init', '--quiet');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '--quiet', '--allow-empty', '-m', 'Initial commit');
  const remote = remoteOf(dir);
  if (options.remote === false) return remote;
  await git(dir, '-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', remote);
  await git(dir, 'remote', 'add', 'origin', remote);
  if (options.push !== false) await git(dir, 'push', '--quiet', '-u', 'origin', 'main');
  return remote;
}

/** Commits everything in `dir` (if anything changed) and pushes it to origin. */
export async function commitAndPush(dir: string, message = 'Update'): Promise<void> {
  await git(dir, 'add', '-A');
  if ((await git(dir, 'status', '--porcelain')).trim() !== '') await git(dir, 'commit', '--quiet', '-m', message);
  await git(dir, 'push', '--quiet', 'origin', 'HEAD');
}

async function insideGit(dir: string): Promise<boolean> {
  return git(dir, 'rev-parse', '--is-inside-work-tree').then(() => true, () => false);
}

/**
 * Every test that publishes through the real `flock publish` goes through here,
 * so a change to what publishing needs of a project folder is made in one place.
 * Publishing needs a clean git repository whose commit is pushed: a folder that
 * is not in git becomes one (with a bare remote), and later changes to a
 * repository made this way are committed and pushed before each publish.
 * Repositories a test made itself are left exactly as they are.
 */
export async function publishProject(project: string, env: Record<string, string | undefined>, args: string[] = []): Promise<RunResult> {
  await serialized(project, () => prepareRepository(project));
  return runFlock(['publish', ...args], { cwd: project, env });
}

async function prepareRepository(project: string): Promise<void> {
  if (!(await insideGit(project))) {
    await initGitPackage(project);
    await writeFile(join(project, '.git', MANAGED), '');
  } else if (await exists(join(project, '.git', MANAGED))) {
    await commitAndPush(project);
  }
}

// Concurrent publishes of one folder (a race test, say) must not run git init or commit on it at the same time.
const pending = new Map<string, Promise<void>>();

function serialized(key: string, run: () => Promise<void>): Promise<void> {
  const next = (pending.get(key) ?? Promise.resolve()).then(run, run);
  pending.set(key, next.catch(() => undefined));
  return next;
}
