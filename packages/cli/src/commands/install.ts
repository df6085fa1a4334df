import { installProject } from '../install/install.js';
import { loadProject } from '../project.js';
import type { CommandSpec } from './types.js';

export const installCommand: CommandSpec<{ locked?: boolean }> = {
  name: 'install',
  summary: 'Resolve [dependencies], write flock.lock, and install into .flock/deps',
  options: [{ flags: '--locked', description: 'fail if flock.lock would change' }],
  async run(_args, options, ctx) {
    const project = await loadProject(ctx.cwd);
    return installProject(ctx, project.root, project.manifest.dependencies, { locked: options.locked === true });
  },
};
