import { installProject } from '../install/install.js';
import { loadProject } from '../project.js';
import type { Run } from './types.js';

export const install: Run<{ locked?: boolean; offline?: boolean; frozen?: boolean }> = async (_args, options, ctx) => {
  const project = await loadProject(ctx.cwd);
  // --frozen is --locked and --offline together, as in cargo: offline, the lock cannot change anyway.
  const offline = options.offline === true || options.frozen === true;
  return installProject(ctx, project.root, project.manifest.dependencies, { locked: options.locked === true || options.frozen === true, offline });
};
