import { installProject } from '../install/install.js';
import { loadProject } from '../project.js';
import type { Run } from './types.js';

export const install: Run<{ locked?: boolean }> = async (_args, options, ctx) => {
  const project = await loadProject(ctx.cwd);
  return installProject(ctx, project.root, project.manifest.dependencies, { locked: options.locked === true });
};
