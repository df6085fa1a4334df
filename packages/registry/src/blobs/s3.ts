import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { sha256Hex } from '@flock/core';
import type { BlobStore, BlobStream, PutResult } from './store.js';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing '/', may be ''. */
  prefix: string;
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** s3://bucket/prefix?endpoint=https://…&region=… → S3Location (credentials come separately). */
export function parseS3Url(url: string): Omit<S3Location, 'credentials'> {
  const parsed = new URL(url);
  if (parsed.protocol !== 's3:' || parsed.hostname.length === 0) {
    throw new Error(`Invalid S3 store "${url}": expected s3://bucket/prefix?endpoint=…&region=…`);
  }
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  return {
    bucket: parsed.hostname,
    prefix: decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, ''),
    ...(endpoint ? { endpoint } : {}),
    region: parsed.searchParams.get('region') ?? 'us-east-1',
  };
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
}

/** An S3-compatible bucket (AWS, MinIO, R2, s3rver in tests). */
export function createS3BlobStore(location: S3Location): BlobStore {
  const client = new S3Client({
    region: location.region,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    ...(location.credentials ? { credentials: location.credentials } : {}),
    // Path-style works with every S3-compatible server, and checksums only when
    // required keeps compatibility with servers that do not know the new headers.
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = location.bucket;
  const keyOf = (key: string) => (location.prefix ? `${location.prefix}/${key}` : key);

  return {
    async put(key: string, bytes: Uint8Array): Promise<PutResult> {
      await client.send(new PutObjectCommand({ Bucket, Key: keyOf(key), Body: bytes, ContentLength: bytes.byteLength }));
      return { sha256: sha256Hex(bytes), size: bytes.byteLength };
    },
    async get(key: string) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(key) }));
        return Buffer.from(await response.Body!.transformToByteArray());
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async getStream(key: string): Promise<BlobStream | null> {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(key) }));
        // In Node the SDK's body is a Readable (IncomingMessage).
        return { body: response.Body as Readable, size: Number(response.ContentLength ?? 0) };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async head(key: string) {
      try {
        const response = await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(key) }));
        return { size: Number(response.ContentLength ?? 0) };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async delete(key: string) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(key) }));
    },
    async *list(prefix = '') {
      const base = location.prefix ? `${location.prefix}/` : '';
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: base + prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          // No date (S3 always sends one): taken as new, so gc's grace period keeps it.
          yield { key: object.Key.slice(base.length), size: Number(object.Size ?? 0), lastModified: object.LastModified ?? new Date() };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async presignGet(key: string, expiresInSeconds: number) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: keyOf(key) }), { expiresIn: expiresInSeconds });
    },
  };
}
