import { parsePackageSpec } from '@flock/core/names';
import { parseVersion } from '@flock/core/versions';
import { CliExit } from '../context.js';
import { drawTree, drawnWhy, lockGraph, loadLockedProject, whyTree } from '../install/lock-graph.js';
import type { Run } from './types.js';

/** Every way flock.toml leads to a package in flock.lock: the inverse tree, from the package up to flock.toml. */
export const why: Run<{ json?: boolean }> = async (args, options, ctx) => {
  const { ref, suffix } = parsePackageSpec(args[0]!);
  const pkg = `${ref.org}/${ref.name}`;
  const version = suffix === undefined ? undefined : parseVersion(suffix);
  const { project, lock } = await loadLockedProject(ctx);
  const found = whyTree(lockGraph(lock, project.manifest.dependencies), lock, pkg, version);
  if (found.length === 0) throw new CliExit(`${version === undefined ? pkg : `${pkg}@${version}`} is not in flock.lock`);
  if (options.json) {
    ctx.out(JSON.stringify(found, null, 2));
    return 0;
  }
  found.forEach((entry, i) => {
    if (i > 0) ctx.out('');
    for (const line of drawTree(`${entry.package} ${entry.version}`, drawnWhy(entry.dependents))) ctx.out(line);
  });
  return 0;
};
