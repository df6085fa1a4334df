import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecord, leafHash, merkleTreeHash, proveRecord } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { REGISTRY_BIN, runBin, spawnRegistry, tempDir, type SpawnedRegistry } from '../../../test-support/cli.js';
import { fetchCheckpoint, fetchEntries, httpTileReader } from '../../../test-support/tlog.js';

// Replicas on one PostgreSQL share one log: the head row's lock makes their appends serial.
// (*.postgres.test.ts run in the postgres-s3 project only.)
describe('two replicas on one PostgreSQL share one transparency log', () => {
  let backend: Backend;
  let dir: { path: string; cleanup(): Promise<void> };
  let a: SpawnedRegistry;
  let b: SpawnedRegistry;
  let token: string;

  beforeAll(async () => {
    backend = await createBackend();
    dir = await tempDir();
    // FLOCK_LOG_ORIGIN as an operator sets it: the default (host + port + /log) would differ between the two.
    const shared = { ...backend.env, FLOCK_SECRET_KEY: randomBytes(32).toString('hex'), FLOCK_LOG_LEVEL: 'warn', FLOCK_LOG_ORIGIN: 'replicas.test/log', FLOCK_PUBLISHES_PER_HOUR: '1000' };
    [a, b] = await Promise.all([
      spawnRegistry({ ...shared, FLOCK_DATA_DIR: join(dir.path, 'a') }, dir.path),
      spawnRegistry({ ...shared, FLOCK_DATA_DIR: join(dir.path, 'b') }, dir.path),
    ]);
    const op = { ...shared, FLOCK_DATA_DIR: join(dir.path, 'op') };
    await runBin(REGISTRY_BIN, ['user', 'add', 'acme'], { cwd: dir.path, env: op });
    token = (await runBin(REGISTRY_BIN, ['token', 'create', '--user', 'acme', '--scopes', 'publish,read'], { cwd: dir.path, env: op })).stdout.trim();
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await backend?.close();
    await dir?.cleanup();
  });

  it('concurrent publishes through both replicas make one tree, the same signed checkpoint on each', async () => {
    const publish = async (url: string, name: string, version: string) => {
      const response = await fetch(`${url}/api/v1/packages/acme/${name}/${version}`, {
        method: 'PUT', body: await manifestOnlyArchive('acme', name, version), headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, await response.text()).toBe(200);
    };
    // Four streams at once, two through each replica.
    await Promise.all(['a', 'b', 'c', 'd'].map(async (stream, s) => {
      for (let i = 0; i < 10; i++) await publish(s % 2 === 0 ? a.url : b.url, `shared-${stream}`, `1.0.${i}`);
    }));

    const fromA = await fetchCheckpoint(a.url);
    const fromB = await fetchCheckpoint(b.url);
    expect(fromA.checkpoint.size).toBe(40);
    expect(fromB.note).toBe(fromA.note);
    expect(fromB.vkey).toBe(fromA.vkey);

    const entries = await fetchEntries(b.url, 40);
    expect(Buffer.from(merkleTreeHash(entries)).equals(Buffer.from(fromA.checkpoint.hash))).toBe(true);
    const names = entries.map((e) => /package (\S+)\nversion (\S+)\n/.exec(Buffer.from(e).toString('utf8'))!.slice(1).join('@')).sort();
    expect(new Set(names).size).toBe(40);
    // A proof built from one replica's tiles checks against the other's checkpoint.
    const read = httpTileReader(a.url, 40);
    for (const index of [0, 17, 39]) {
      checkRecord(await proveRecord(40, index, read), 40, fromB.checkpoint.hash, index, leafHash(entries[index]!));
    }
  }, 60_000);
});
