import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startTestS3 } from '../../../test-support/s3.js';
import { storageUnavailable } from '../src/blobs/errors.js';

const PREFIX = "The registry's storage is unavailable: ";

// Whatever the database (this file runs in both projects), a store that fails is a 503 naming storage, not a 500.
describe('a failing blob store', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function expectPublishRefused(registry: TestRegistry, reason: string): Promise<void> {
    const token = await registry.createUser('ada');
    const response = await fetch(`${registry.url}/api/v1/packages/ada/kept/1.0.0`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: await manifestOnlyArchive('ada', 'kept', '1.0.0'),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await response.json()).toEqual({ error: `${PREFIX}${reason}` });
    expect(await registry.db.selectFrom('versions').select('id').execute()).toEqual([]);
    expect(await registry.db.selectFrom('packages').select('id').execute()).toEqual([]);
  }

  it('a folder store that cannot be written: publish answers 503 naming storage and the cause, nothing is stored', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    // Root ignores file modes, so the store is broken another way: a file where its sha256 folder must be.
    const store = join(dir.path, 'blobs');
    await mkdir(store);
    await writeFile(join(store, 'sha256'), '');
    const registry = await createTestRegistry({ FLOCK_BLOB_STORE: pathToFileURL(store).href });
    cleanups.push(registry.close);
    await expectPublishRefused(registry, 'not a directory');
  });

  it('an S3 store that does not answer: publish answers 503 naming storage, nothing is stored', async () => {
    const s3 = await startTestS3();
    const registry = await createTestRegistry({
      FLOCK_BLOB_STORE: s3.storeUrl('gone'), AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    });
    cleanups.push(registry.close);
    await s3.close();
    await expectPublishRefused(registry, 'connection refused');
  });

  it('a full disk is named as such', async () => {
    // A real ENOSPC: /dev/full refuses every write with it.
    const error = await writeFile('/dev/full', 'x').catch((e: unknown) => e);
    expect(storageUnavailable(error).message).toBe(`${PREFIX}no space left on device`);
  });
});
