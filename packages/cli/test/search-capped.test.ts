import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { answerWith, startFakeServer, type FakeServer } from './fake-server.js';

// A registry bounds a search's count (SQLite and PostgreSQL alike: see the registry's search/index.ts);
// past the cap it answers `capped: true`, and `total` is a lower bound.
describe('flock search: a capped total', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let server: FakeServer;

  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
    const hits = Array.from({ length: 20 }, (_, i) => ({ org: 'acme', name: `color-${i}`, version: '1.0.0', description: 'Color', visibility: 'public' }));
    server = await startFakeServer(answerWith(200, JSON.stringify({ query: 'color', page: 1, perPage: 20, total: 5000, capped: true, hits }), 'application/json'));
  });

  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  it('says "N+ in all"', async () => {
    const result = await runFlock(['search', 'color'], { cwd: dir.path, env: { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: server.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('… 5000+ in all; see more with --page 2\n');
  });
});
