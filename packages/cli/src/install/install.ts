import type { CommandContext } from '../context.js';
import type { MinPublishAge } from './cooldown.js';
import { isInstalled, label } from './installed.js';
import { readLockfile } from './lockfile.js';

export { fetchIndex } from './index-read.js';

function summarize(ctx: CommandContext, first: string, packages: Array<{ package: string; version: string }>): void {
  ctx.out(first.replace('{count}', packages.length === 1 ? '1 package' : `${packages.length} packages`));
  for (const p of packages) ctx.out(`  ${label(p)}`);
}

/**
 * Installs flock.toml's [dependencies] into .flock/deps/<org>/<name>@<version>/
 * and keeps flock.lock in step. When flock.lock still answers the manifest
 * and every locked package is unpacked from its checksum, it is done at once,
 * without the registry; otherwise the full install (sync.ts) runs.
 * `commit` runs after all that, before the summary: `flock add` and `flock
 * remove` write flock.toml there, so it changes only once the install has worked.
 */
export async function installProject(
  ctx: CommandContext, root: string, dependencies: Record<string, string>,
  options: { locked?: boolean; offline?: boolean; minPublishAge?: MinPublishAge; commit?: () => Promise<void> } = {},
): Promise<number> {
  const existing = await readLockfile(root);
  if (existing && isInstalled(root, existing.lock, dependencies)) {
    await options.commit?.();
    summarize(ctx, 'Up to date: {count} from flock.lock', existing.lock.packages);
    return 0;
  }
  // Loaded only now: resolving, downloading and unpacking need the HTTP client, tar and the archive cache.
  const { packages, downloaded } = options.offline
    ? await (await import('./offline.js')).installOffline(ctx, root, dependencies, existing)
    : await (await import('./sync.js')).syncProject(ctx, root, dependencies, existing, options);
  await options.commit?.();
  summarize(ctx, `Installed {count} (${downloaded} downloaded)`, packages);
  return 0;
}
