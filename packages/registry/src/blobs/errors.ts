import { getSystemErrorMap } from 'node:util';
import { FlockError } from '@flock/core';
import type { BlobStore } from './store.js';

/** Why a store failed, in words an operator knows: "no space left on device", "connection refused", an S3 error name. */
export function storageReason(error: unknown): string {
  const e = error as { errno?: unknown; code?: unknown; name?: unknown; message?: unknown } | null;
  // Node's own text for a system error (ENOSPC → "no space left on device"), without the path or syscall.
  const system = typeof e?.errno === 'number' ? getSystemErrorMap().get(e.errno)?.[1] : undefined;
  if (system) return system;
  if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_') && typeof e.message === 'string') return e.message;
  if (typeof e?.name === 'string' && e.name !== 'Error') return e.name;
  return typeof e?.message === 'string' && e.message !== '' ? e.message.split('\n')[0]! : 'unknown error';
}

export function storageUnavailable(error: unknown): FlockError {
  return new FlockError('unavailable', `The registry's storage is unavailable: ${storageReason(error)}`, { cause: error, retryAfterSeconds: 30 });
}

/**
 * The registry's own store, whose failures (a full disk, a bucket that does not
 * answer) become one 503 naming storage instead of an anonymous 500.
 */
export function reportingFailures(store: BlobStore): BlobStore {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw error instanceof FlockError ? error : storageUnavailable(error);
    }
  };
  async function* list(prefix?: string) {
    try {
      yield* store.list(prefix);
    } catch (error) {
      throw error instanceof FlockError ? error : storageUnavailable(error);
    }
  }
  return {
    put: (key, bytes) => guard(() => store.put(key, bytes)),
    get: (key) => guard(() => store.get(key)),
    ...(store.getStream ? { getStream: (key: string) => guard(() => store.getStream!(key)) } : {}),
    head: (key) => guard(() => store.head(key)),
    delete: (key) => guard(() => store.delete(key)),
    list,
    ...(store.presignGet ? { presignGet: (key: string, seconds: number) => guard(() => store.presignGet!(key, seconds)) } : {}),
  };
}
