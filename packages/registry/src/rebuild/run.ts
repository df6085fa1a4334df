import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { openRegistry } from '../registry.js';
import { canUnshareNetwork } from './processes.js';
import { createRebuildWorker } from './worker.js';

/** The `flock` CLI this registry ships with: the rebuild runs the very `flock pack` that `flock publish` uses. */
function flockBin(): string {
  return createRequire(import.meta.url).resolve('@flock/cli/bin/flock.js');
}

/**
 * `flock-registry rebuild-worker`: opens the registry's database and stores,
 * then rebuilds versions until told to stop (SIGTERM or SIGINT: the version in
 * hand is given back, its temp folder removed) or, with `once`, until none is waiting.
 */
export async function runRebuildWorker(config: Readonly<Config>, options: { once: boolean; intervalMs: number }): Promise<void> {
  const registry = await openRegistry(config);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const unshare = await canUnshareNetwork(config.rebuild.path);
    if (!unshare) process.stderr.write('warning: unshare -n is not available here, so builds run with network access (recorded as "isolation":"none")\n');
    const worker = createRebuildWorker({
      rebuilds: registry.services.rebuilds,
      orgStores: registry.services.orgStores,
      limits: config.limits,
      node: process.execPath,
      flockBin: flockBin(),
      isolation: unshare ? 'unshare' : 'none',
      timeoutMs: config.rebuild.timeoutSeconds * 1000,
      path: config.rebuild.path,
      localRepositories: config.rebuild.localRepositories,
      tmpdir: tmpdir(),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    while (!stop.signal.aborted) {
      await worker.drain(stop.signal);
      if (options.once) break;
      await sleep(options.intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await registry.close();
  }
}
