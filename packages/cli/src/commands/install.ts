import { minPublishAge } from '../install/cooldown.js';
import { installProject } from '../install/install.js';
import { loadProject } from '../project.js';
import type { Run } from './types.js';

export interface CooldownOptions {
  minPublishAge?: string;
  allowYoung?: boolean;
}

export const install: Run<{ locked?: boolean; offline?: boolean; frozen?: boolean } & CooldownOptions> = async (_args, options, ctx) => {
  const project = await loadProject(ctx.cwd);
  // --frozen is --locked and --offline together, as in cargo: offline, the lock cannot change anyway.
  const offline = options.offline === true || options.frozen === true;
  const age = await minPublishAge(ctx, { flag: options.minPublishAge, allowYoung: options.allowYoung, manifest: project.manifest.install?.minPublishAge });
  return installProject(ctx, project.root, project.manifest.dependencies, {
    locked: options.locked === true || options.frozen === true, offline, ...(age ? { minPublishAge: age } : {}),
  });
};
