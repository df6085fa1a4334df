import { dependencyTree, drawTree, drawnTree, lockGraph, loadLockedProject } from '../install/lock-graph.js';
import type { Run } from './types.js';

/** The dependency tree from flock.lock alone (no registry), like `cargo tree`. */
export const tree: Run<{ json?: boolean }> = async (_args, options, ctx) => {
  const { project, lock } = await loadLockedProject(ctx);
  const { org, name, version } = project.manifest.package;
  const root = org ? `${org}/${name}` : name;
  const dependencies = dependencyTree(lockGraph(lock, project.manifest.dependencies));
  if (options.json) ctx.out(JSON.stringify({ package: root, version, dependencies }, null, 2));
  else for (const line of drawTree(`${root} ${version}`, drawnTree(dependencies))) ctx.out(line);
  return 0;
};
