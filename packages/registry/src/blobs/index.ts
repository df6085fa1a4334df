import { fileURLToPath } from 'node:url';
import { FlockError } from '@flock/core';
import { createFsBlobStore } from './fs.js';
import type { BlobStore } from './store.js';

export type { BlobStore, PutResult } from './store.js';

/** Opens the store named by FLOCK_BLOB_STORE: file://PATH (s3:// comes with the scaled deployment). */
export function openBlobStore(url: string): BlobStore {
  if (url.startsWith('file://')) return createFsBlobStore(fileURLToPath(url));
  throw new FlockError('bad_request', `Unsupported blob store "${url.split(':')[0]}:…": use file://PATH`);
}
