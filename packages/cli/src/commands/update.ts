import semver from 'semver';
import { parsePackageRef } from '@flock/core/names';
import { CliExit } from '../context.js';
import { readLockfile } from '../install/lockfile.js';
import type { Resolved } from '../install/resolver.js';
import { minPublishAge } from '../install/cooldown.js';
import { syncProject } from '../install/sync.js';
import { loadProject } from '../project.js';
import type { CooldownOptions } from './install.js';
import type { Run } from './types.js';

/**
 * Resolves again with the named packages (all, without names) unlocked, so
 * each gets the newest version flock.toml's ranges allow, installs, rewrites
 * flock.lock and says what changed.
 */
export const update: Run<CooldownOptions> = async (args, options, ctx) => {
  const names = new Set(args.map((arg) => {
    const ref = parsePackageRef(arg);
    return `${ref.org}/${ref.name}`;
  }));
  const project = await loadProject(ctx.cwd);
  const existing = await readLockfile(project.root);
  const before = existing?.lock.packages ?? [];
  for (const name of names) if (!before.some((p) => p.package === name)) throw new CliExit(`${name} is not in flock.lock`);
  const unlock = names.size === 0 ? () => true : (pkg: string) => names.has(pkg);
  const age = await minPublishAge(ctx, { flag: options.minPublishAge, allowYoung: options.allowYoung, manifest: project.manifest.install?.minPublishAge });
  const { packages } = await syncProject(ctx, project.root, project.manifest.dependencies, existing, { unlock, ...(age ? { minPublishAge: age } : {}) });
  const changes = describeChanges(before, packages);
  for (const line of changes.length > 0 ? changes : ['Nothing to update']) ctx.out(line);
  return 0;
};

/** "Updated org/name 0.1.0 -> 0.1.1" per package whose one locked version changed; Added and Removed for the rest. */
export function describeChanges(before: Resolved[], after: Resolved[]): string[] {
  const lines: string[] = [];
  const names = [...new Set([...before, ...after].map((p) => p.package))].sort();
  for (const name of names) {
    const versionsIn = (list: Resolved[]) => list.filter((p) => p.package === name).map((p) => p.version);
    const [old, now] = [versionsIn(before), versionsIn(after)];
    const gone = old.filter((v) => !now.includes(v)).sort(semver.compare);
    const added = now.filter((v) => !old.includes(v)).sort(semver.compare);
    if (gone.length === 1 && added.length === 1) {
      lines.push(`${semver.gt(added[0]!, gone[0]!) ? 'Updated' : 'Downgraded'} ${name} ${gone[0]} -> ${added[0]}`);
      continue;
    }
    for (const v of gone) lines.push(`Removed ${name} ${v}`);
    for (const v of added) lines.push(`Added ${name} ${v}`);
  }
  return lines;
}
