import { fileURLToPath } from 'node:url';
import { FlockError } from '@flock/core';
import { reportingFailures } from './errors.js';
import { createFsBlobStore } from './fs.js';
import { createS3BlobStore, parseS3Url, type S3Location } from './s3.js';
import type { BlobStore } from './store.js';

export type { BlobStore, PutResult } from './store.js';

/** Opens the store named by FLOCK_BLOB_STORE: file://PATH or s3://bucket/prefix?endpoint=…&region=…; its failures answer 503 naming storage. */
export function openBlobStore(url: string, s3Credentials?: S3Location['credentials']): BlobStore {
  if (url.startsWith('file://')) return reportingFailures(createFsBlobStore(fileURLToPath(url)));
  if (url.startsWith('s3://')) {
    let store: BlobStore;
    try {
      store = createS3BlobStore({ ...parseS3Url(url), ...(s3Credentials ? { credentials: s3Credentials } : {}) });
    } catch (error) {
      throw new FlockError('bad_request', (error as Error).message);
    }
    return reportingFailures(store);
  }
  throw new FlockError('bad_request', `Unsupported blob store "${url.split(':')[0]}:…": use file://PATH or s3://bucket/prefix`);
}
