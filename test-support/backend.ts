import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { startTestS3, type TestS3 } from './s3.js';

/**
 * Which storage the integration suite runs on. The test command runs it twice:
 * once on the embedded default (SQLite + a folder) and once with
 * FLOCK_TEST_BACKEND=postgres-s3 (see vitest.config.ts).
 */
export type BackendName = 'sqlite' | 'postgres-s3';

export function backendName(): BackendName {
  return process.env.FLOCK_TEST_BACKEND === 'postgres-s3' ? 'postgres-s3' : 'sqlite';
}

/** The PostgreSQL server tests create their databases on. */
export function postgresAdminUrl(): string {
  return process.env.FLOCK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface Backend {
  name: BackendName;
  /** FLOCK_* (and AWS_*) settings for a registry on this backend; empty for the default. */
  env: Record<string, string>;
  /** Every key in the registry's blob store, sorted (for "nothing was stored" assertions). */
  listBlobs(dataDir: string): Promise<string[]>;
  close(): Promise<void>;
}

async function listFolder(dataDir: string): Promise<string[]> {
  try {
    const entries = await readdir(join(dataDir, 'blobs'), { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function listBucket(s3: TestS3, prefix: string): Promise<string[]> {
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  } finally {
    client.destroy();
  }
}

/** A fresh, empty PostgreSQL database; dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgresAdminUrl();
  const name = `flock_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export async function createBackend(name: BackendName = backendName()): Promise<Backend> {
  if (name === 'sqlite') return { name, env: {}, listBlobs: listFolder, close: async () => {} };
  const database = await createTestDatabase();
  let s3: TestS3;
  try {
    s3 = await startTestS3();
  } catch (error) {
    await database.drop();
    throw error;
  }
  const prefix = `registry-${randomBytes(4).toString('hex')}`;
  return {
    name,
    listBlobs: () => listBucket(s3, prefix),
    env: {
      FLOCK_DATABASE_URL: database.url,
      FLOCK_BLOB_STORE: s3.storeUrl(prefix),
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    },
    async close() {
      await s3.close();
      await database.drop();
    },
  };
}
