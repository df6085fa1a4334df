import { resolve } from 'node:path';
import { withOrg } from '@flock/core';
import { CliExit } from '../context.js';
import { writeFileAtomic } from '../fs-write.js';
import { readGitState, trackedFiles } from '../git.js';
import { effectiveOrg, prepareMember } from '../publish/prepare.js';
import type { Source } from '../publish/source.js';
import { readFlockToml } from '../publish/workspace.js';
import { findProjectRoot, noProjectMessage } from '../project.js';
import type { Run } from './types.js';

interface PackOptions {
  out?: string;
  org?: string;
}

/**
 * `flock pack`: builds and packs the package of the nearest flock.toml exactly
 * as `flock publish` does (same build command, same file selection, same
 * deterministic archive), but from the folder as it is: no git checks and no
 * clean clone, the tracked files when in git. The registry's rebuild worker
 * runs it inside a fresh clone of the recorded commit, without network.
 */
export const pack: Run<PackOptions> = async (_args, options, ctx) => {
  const nearest = await findProjectRoot(ctx.cwd);
  if (nearest === null) throw new CliExit(noProjectMessage(ctx.cwd));
  const parsed = await readFlockToml(nearest.root);
  if (!parsed?.manifest) throw new CliExit('flock.toml here is a workspace root: run flock pack in a member\'s folder');
  const manifest = withOrg(parsed.manifest, effectiveOrg(ctx, parsed.manifest.package.org, options.org));
  const state = await readGitState(nearest.root, ctx.env);
  const root = state?.root ?? nearest.root;
  const source: Source = {
    root,
    projectPath: state?.path ?? '',
    tracked: async (path) => (state ? trackedFiles(root, path, ctx.env) : null),
    info: { repository: state?.remoteUrl ?? null, commit: state?.commit ?? null, dirty: true },
  };
  const { packed } = await prepareMember(ctx, source, { path: '', manifest });
  const { name, version } = manifest.package;
  const out = resolve(ctx.cwd, options.out ?? `${name}-${version}.tar.gz`);
  await writeFileAtomic(out, packed.archive, { onInterrupt: ctx.onInterrupt });
  ctx.out(`${out}: ${packed.archive.byteLength} bytes, sha256:${packed.sha256}`);
  return 0;
};
