import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadsDto } from '@flock/core';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { copyExample, REGISTRY_BIN, runBin, spawnRegistry, tempDir, type SpawnedRegistry } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';

// Replicas behind one load balancer count downloads each in memory and add them to one PostgreSQL.
describe('download counts across two replicas on one PostgreSQL', () => {
  let backend: Backend;
  let dir: { path: string; cleanup(): Promise<void> };
  let shared: Record<string, string>;
  const running: SpawnedRegistry[] = [];
  const replica = async (name: string, flushMs: number) => {
    const spawned = await spawnRegistry({ ...shared, FLOCK_DATA_DIR: join(dir.path, name), FLOCK_DOWNLOAD_FLUSH_MS: String(flushMs) }, dir.path);
    running.push(spawned);
    return spawned;
  };
  const downloads = (url: string, times: number) => Promise.all(Array.from({ length: times }, async () => {
    // The S3 store answers with a presigned redirect; that is the download, counted.
    const response = await fetch(`${url}/api/v1/packages/your-name/palette/0.1.0/download`, { redirect: 'manual' });
    expect(response.status, await response.text()).toBe(302);
  }));
  const total = async (url: string) => ((await (await fetch(`${url}/api/v1/packages/your-name/palette/downloads`)).json()) as DownloadsDto).total;

  beforeAll(async () => {
    backend = await createBackend();
    dir = await tempDir();
    shared = { ...backend.env, FLOCK_SECRET_KEY: randomBytes(32).toString('hex'), FLOCK_LOG_LEVEL: 'warn' };
    const op = { cwd: dir.path, env: { ...shared, FLOCK_DATA_DIR: join(dir.path, 'op') } };
    await runBin(REGISTRY_BIN, ['user', 'add', 'your-name'], op);
    const token = (await runBin(REGISTRY_BIN, ['token', 'create', '--user', 'your-name'], op)).stdout.trim();
    const a = await replica('publisher', 3_600_000);
    const published = await publishProject(await copyExample('palette', dir.path), { HOME: join(dir.path, 'home'), FLOCK_TOKEN: token, FLOCK_REGISTRY: a.url });
    expect(published.code, published.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await backend?.close();
    await dir?.cleanup();
  });

  it('200 parallel downloads through two replicas add up exactly; each writes its tally when it shuts down', async () => {
    // An hour between flushes: only shutting down writes these counts.
    const [a, b] = [running[0]!, await replica('b', 3_600_000)];
    await Promise.all([downloads(a.url, 100), downloads(b.url, 100)]);
    expect(await total(a.url)).toBe(0);
    await Promise.all([a.stop(), b.stop()]);
    const c = await replica('c', 100);
    expect(await total(c.url)).toBe(200);
    // The periodic flush: within a few intervals, without a shutdown.
    await downloads(c.url, 50);
    await expect.poll(() => total(c.url), { timeout: 3000, interval: 100 }).toBe(250);
  });
});
