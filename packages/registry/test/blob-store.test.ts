import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startTestS3, type TestS3 } from '../../../test-support/s3.js';
import { blobStoreContract } from './blob-store.contract.js';
import { createFsBlobStore } from '../src/blobs/fs.js';
import { openBlobStore } from '../src/blobs/index.js';

let folder = '';
let s3: TestS3;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'flock-blobs-'));
  s3 = await startTestS3();
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
  await s3?.close();
});

blobStoreContract('fs', () => createFsBlobStore(folder), { presigns: false });
blobStoreContract('s3 (s3rver)', () => openBlobStore(s3.storeUrl('contract'), s3.credentials), { presigns: true });
