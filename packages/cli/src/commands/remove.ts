import { parsePackageRef } from '@flock/core';
import { CliExit } from '../context.js';
import { installProject } from '../install/install.js';
import { editManifestDependency } from '../manifest-edit.js';
import { loadProject } from '../project.js';
import type { CommandSpec } from './types.js';

export const removeCommand: CommandSpec = {
  name: 'remove',
  args: '<package>',
  summary: 'Remove a dependency (org/name) from flock.toml and update the install',
  async run(args, _options, ctx) {
    const ref = parsePackageRef(args[0]!);
    const key = `${ref.org}/${ref.name}`;
    const project = await loadProject(ctx.cwd);
    if (!(key in project.manifest.dependencies)) throw new CliExit(`${key} is not in [dependencies]`);
    await editManifestDependency(project.root, key, null);
    ctx.out(`Removed ${key} from flock.toml`);
    const updated = await loadProject(ctx.cwd);
    return installProject(ctx, updated.root, updated.manifest.dependencies);
  },
};
