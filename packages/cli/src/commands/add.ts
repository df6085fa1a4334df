import semver from 'semver';
import { parsePackageSpec, parseVersionRange } from '@flock/core';
import { CliExit } from '../context.js';
import { registryClient } from '../client.js';
import { minPublishAge } from '../install/cooldown.js';
import { fetchIndex, installProject } from '../install/install.js';
import { planDependencyEdit } from '../manifest-edit.js';
import { loadProject } from '../project.js';
import type { CooldownOptions } from './install.js';
import type { Run } from './types.js';

export const add: Run<CooldownOptions> = async (args, options, ctx) => {
  const { ref, suffix: rangeText } = parsePackageSpec(args[0]!);
  const key = `${ref.org}/${ref.name}`;
  const project = await loadProject(ctx.cwd);
  const age = await minPublishAge(ctx, { flag: options.minPublishAge, allowYoung: options.allowYoung, manifest: project.manifest.install?.minPublishAge });
  const lines = await fetchIndex(await registryClient(ctx), key);
  let range: string;
  if (rangeText === undefined) {
    // The default range starts from the newest version the cooldown lets in.
    const oldEnough = (published: string | undefined) => !age || published === undefined || Date.parse(published) + age.ms <= Date.now();
    const newest = semver.maxSatisfying(lines.filter((l) => !l.yanked && oldEnough(l.published)).map((l) => l.version), '*');
    if (newest === null) throw new CliExit(`${key} has no version that is not yanked${age ? ` and was published at least ${age.text} ago` : ''}`);
    range = `^${newest}`;
  } else {
    range = parseVersionRange(rangeText);
  }
  const edit = await planDependencyEdit(ctx, project.root, key, range);
  // flock.toml changes only once the install has worked (a range nothing matches, Ctrl-C: it stays as it was).
  return installProject(ctx, project.root, edit.dependencies, {
    ...(age ? { minPublishAge: age } : {}),
    async commit() {
      await edit.save();
      ctx.out(`Added ${key} = "${range}" to flock.toml`);
    },
  });
};
