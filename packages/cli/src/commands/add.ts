import semver from 'semver';
import { parsePackageSpec, parseVersionRange } from '@flock/core';
import { CliExit } from '../context.js';
import { registryClient } from '../client.js';
import { minPublishAge } from '../install/cooldown.js';
import { fetchIndex, installProject } from '../install/install.js';
import { planDependencyEdits } from '../manifest-edit.js';
import { loadProject } from '../project.js';
import type { CooldownOptions } from './install.js';
import type { Run } from './types.js';

/** Each is one index read, all at once: a cap keeps a pasted list from flooding the registry. */
const MAX_PACKAGES = 50;

export const add: Run<CooldownOptions> = async (args, options, ctx) => {
  if (args.length > MAX_PACKAGES) throw new CliExit(`flock add takes at most ${MAX_PACKAGES} packages at once`);
  // Every argument is checked before the registry is asked anything.
  const wanted = args.map((arg) => {
    const { ref, suffix: rangeText } = parsePackageSpec(arg);
    return { key: `${ref.org}/${ref.name}`, range: rangeText === undefined ? undefined : parseVersionRange(rangeText) };
  });
  const seen = new Set<string>();
  for (const { key } of wanted) {
    if (seen.has(key)) throw new CliExit(`${key} is named twice`);
    seen.add(key);
  }
  const project = await loadProject(ctx.cwd);
  const age = await minPublishAge(ctx, { flag: options.minPublishAge, allowYoung: options.allowYoung, manifest: project.manifest.install?.minPublishAge });
  // The default range starts from the newest version the cooldown lets in.
  const oldEnough = (published: string | undefined) => !age || published === undefined || Date.parse(published) + age.ms <= Date.now();
  const client = await registryClient(ctx);
  const changes = await Promise.all(wanted.map(async ({ key, range }): Promise<[string, string]> => {
    const lines = await fetchIndex(client, key);
    if (range !== undefined) return [key, range];
    const newest = semver.maxSatisfying(lines.filter((l) => !l.yanked && oldEnough(l.published)).map((l) => l.version), '*');
    if (newest === null) throw new CliExit(`${key} has no version that is not yanked${age ? ` and was published at least ${age.text} ago` : ''}`);
    return [key, `^${newest}`];
  }));
  const edit = await planDependencyEdits(ctx, project.root, changes);
  // flock.toml changes only once the install has worked (a range nothing matches, Ctrl-C: it stays as it was).
  return installProject(ctx, project.root, edit.dependencies, {
    ...(age ? { minPublishAge: age } : {}),
    async commit() {
      await edit.save();
      for (const [key, range] of changes) ctx.out(`Added ${key} = "${range}" to flock.toml`);
    },
  });
};
