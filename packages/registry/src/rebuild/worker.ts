import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diffArchives, isCommitHash, MAX_REBUILD_PATHS, sameFiles, sha256Hex, type Limits, type RebuildDetail } from '@flock/core';
import type { OrgStoresService } from '../services/org-stores.js';
import type { ClaimedVersion, FinalStatus, RebuildsService } from '../services/rebuilds.js';
import { lastLine, runProcess } from './processes.js';

export interface RebuildWorkerDeps {
  rebuilds: Pick<RebuildsService, 'claim' | 'finish' | 'release'>;
  orgStores: Pick<OrgStoresService, 'placementOf'>;
  limits: Limits;
  /** The node binary and the `flock` CLI's bin script the build runs with. */
  node: string;
  flockBin: string;
  /** 'unshare': builds run under `unshare -n` (no network); 'none': as they are (recorded in the detail). */
  isolation: 'unshare' | 'none';
  /** For one clone, and for one build-and-pack. */
  timeoutMs: number;
  /** PATH for git and the build. */
  path: string;
  /**
   * Whether a repository recorded as a path on the publisher's machine (or file://) may be cloned:
   * here it would be a path on the registry's machine, where a publisher could point the worker at
   * the registry's own files. Off by default (FLOCK_REBUILD_LOCAL_REPOS=1 turns it on, for tests).
   */
  localRepositories: boolean;
  /** Where each rebuild gets its own temporary folder. */
  tmpdir: string;
  /** One line per version done: "org/name@version: status". */
  log(line: string): void;
}

export interface Outcome {
  status: FinalStatus;
  detail: RebuildDetail | null;
}

class RebuildFailure extends Error {}

/** https://, http://, ssh:// and git:// URLs, and scp-like `user@host:path`: what another machine can clone too. */
export function isNetworkRepository(repository: string): boolean {
  return /^(https?|ssh|git):\/\/[^/]/i.test(repository) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/.test(repository);
}

const fail = (reason: string): never => {
  throw new RebuildFailure(reason);
};

/**
 * The registry rebuilding what it hosts: for each version, clone the recorded
 * repository at the recorded commit, run `flock pack` there (the same build and
 * pack as `flock publish`) without network, and compare with the stored archive.
 * The build is the publisher's code: it gets a bare environment (no registry
 * settings or keys) and, with unshare, no network.
 */
export function createRebuildWorker(deps: RebuildWorkerDeps) {
  const { rebuilds, limits } = deps;

  /** Environment of git and the build: PATH and a HOME and TMPDIR inside the rebuild's folder, nothing of ours. */
  const childEnv = (tmp: string): Record<string, string> => ({
    PATH: deps.path, HOME: join(tmp, 'home'), TMPDIR: join(tmp, 'tmp'), LANG: 'C.UTF-8',
    GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
  });

  async function clone(claimed: ClaimedVersion, tmp: string, signal: AbortSignal): Promise<string> {
    const { source_repository: repository, source_commit: commit } = claimed.row;
    if (!isCommitHash(commit!)) fail(`the recorded commit is not a full git hash`);
    const dest = join(tmp, 'repo');
    const git = (args: string[], cwd: string) => runProcess('git', args, { cwd, env: childEnv(tmp), timeoutMs: deps.timeoutMs, signal });
    // `--` keeps a repository like "--upload-pack=…" a path; ext:: transports (which run commands) are refused.
    const cloned = await git(['-c', 'protocol.ext.allow=never', 'clone', '--quiet', '--no-checkout', '--no-hardlinks', '--', repository!, dest], tmp);
    if (cloned.code !== 0) fail(cloned.timedOut ? 'cloning took too long' : `could not clone ${repository}: ${lastLine(cloned.stderr) || `exit code ${cloned.code}`}`);
    const checkout = await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit!], dest);
    if (checkout.code !== 0) fail(`commit ${commit} is not in ${repository}`);
    return dest;
  }

  /** `flock pack` in the package's folder of the clone, under `unshare -n` when available; the archive's bytes. */
  async function build(claimed: ClaimedVersion, repo: string, tmp: string, signal: AbortSignal): Promise<Buffer> {
    const path = claimed.row.source_path ?? '';
    // The path is the publisher's text: it must stay inside the clone.
    if (path.startsWith('/') || path.split(/[\\/]/).includes('..')) fail(`the recorded package path ${JSON.stringify(path)} is outside the repository`);
    const dir = join(repo, path);
    if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) fail(`no folder ${path} at the recorded commit`);
    const out = join(tmp, 'rebuilt.tar.gz');
    const pack = [deps.node, deps.flockBin, 'pack', '--out', out, '--org', claimed.org];
    const [command, ...args] = deps.isolation === 'unshare' ? ['unshare', '-n', ...pack] : pack;
    const packed = await runProcess(command!, args, { cwd: dir, env: childEnv(tmp), timeoutMs: deps.timeoutMs, signal });
    if (packed.aborted) throw new Error('stopped');
    if (packed.code !== 0) fail(packed.timedOut ? 'the build took too long' : `flock pack failed: ${lastLine(packed.stderr) || `exit code ${packed.code}`}`);
    const size = (await stat(out)).size;
    if (size > limits.maxArchiveBytes) fail(`the rebuilt archive is ${size} bytes, over the limit of ${limits.maxArchiveBytes}`);
    return readFile(out);
  }

  async function compare(claimed: ClaimedVersion, rebuilt: Buffer): Promise<Outcome> {
    const placement = await deps.orgStores.placementOf({ store: claimed.row.store }, claimed.orgId, claimed.org);
    const stored = await placement.store.get(claimed.row.blob_key);
    if (stored === null) fail('the stored archive is missing from its store');
    if (sha256Hex(stored!) === sha256Hex(rebuilt)) return { status: 'reproduced', detail: null };
    const diff = await diffArchives(stored!, rebuilt, limits);
    if (sameFiles(diff)) return { status: 'compression-differs', detail: null };
    const paths = [...new Set([...diff.changed, ...diff.onlyInRegistry, ...diff.onlyInRebuild])].sort();
    const detail: RebuildDetail = { paths: paths.slice(0, MAX_REBUILD_PATHS) };
    if (paths.length > MAX_REBUILD_PATHS) detail.more = paths.length - MAX_REBUILD_PATHS;
    return { status: 'differs', detail };
  }

  /** What a rebuild of `claimed` finds. A failure is an outcome ('failed', one line); being stopped throws. */
  async function rebuild(claimed: ClaimedVersion, signal: AbortSignal): Promise<Outcome> {
    const { source_dirty: dirty, source_repository: repository, source_commit: commit } = claimed.row;
    // Outside git, --allow-dirty records no repository: that, not the dirt, is what makes it unverifiable.
    if (!repository || !commit) return { status: 'not-verifiable', detail: { reason: 'published without a repository' } };
    if (dirty === 1) return { status: 'not-verifiable', detail: { reason: 'published with uncommitted changes' } };
    if (!deps.localRepositories && !isNetworkRepository(repository)) {
      return { status: 'not-verifiable', detail: { reason: 'its repository is a path on the publisher\'s machine, not a network URL' } };
    }
    const tmp = await mkdtemp(join(deps.tmpdir, 'flock-rebuild-'));
    try {
      await Promise.all([mkdir(join(tmp, 'home')), mkdir(join(tmp, 'tmp'))]);
      const outcome = await compare(claimed, await build(claimed, await clone(claimed, tmp, signal), tmp, signal));
      return withIsolation(outcome);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof RebuildFailure) return withIsolation({ status: 'failed', detail: { reason: error.message } });
      return withIsolation({ status: 'failed', detail: { reason: lastLine((error as Error).message ?? String(error)) || 'unknown error' } });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  function withIsolation(outcome: Outcome): Outcome {
    if (deps.isolation === 'unshare') return outcome;
    return { ...outcome, detail: { ...(outcome.detail ?? {}), isolation: 'none' } };
  }

  /**
   * Claims and rebuilds versions until there are none left (or `signal` says stop):
   * a stopped rebuild gives its claim back. Returns how many versions it finished.
   */
  async function drain(signal: AbortSignal): Promise<number> {
    let done = 0;
    while (!signal.aborted) {
      const claimed = await rebuilds.claim();
      if (claimed === null) break;
      const label = `${claimed.org}/${claimed.name}@${claimed.version}`;
      let outcome: Outcome;
      try {
        outcome = await rebuild(claimed, signal);
      } catch (error) {
        await rebuilds.release(claimed);
        if (signal.aborted) break;
        throw error;
      }
      if (await rebuilds.finish(claimed, outcome.status, outcome.detail)) {
        done++;
        deps.log(`${label}: ${outcome.status}${outcome.detail?.paths ? ` (${outcome.detail.paths.join(', ')})` : ''}${outcome.detail?.reason ? ` (${outcome.detail.reason})` : ''}`);
      }
    }
    return done;
  }

  return { rebuild, drain };
}
