import { parsePackageRef } from '@flock/core';
import { CliExit } from '../context.js';
import { installProject } from '../install/install.js';
import { planDependencyEdit } from '../manifest-edit.js';
import { loadProject } from '../project.js';
import type { Run } from './types.js';

export const remove: Run = async (args, _options, ctx) => {
  const ref = parsePackageRef(args[0]!);
  const key = `${ref.org}/${ref.name}`;
  const project = await loadProject(ctx.cwd);
  if (!(key in project.manifest.dependencies)) throw new CliExit(`${key} is not in [dependencies]`);
  const edit = await planDependencyEdit(ctx, project.root, key, null);
  // As in `flock add`: flock.toml changes only once the install has worked.
  return installProject(ctx, project.root, edit.dependencies, {
    async commit() {
      await edit.save();
      ctx.out(`Removed ${key} from flock.toml`);
    },
  });
};
