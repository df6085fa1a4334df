import type { Readable } from 'node:stream';

export interface BlobStream {
  body: Readable;
  size: number;
}

/** One stored object, as a listing reports it. */
export interface BlobEntry {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutResult {
  sha256: string;
  size: number;
}

/**
 * Where archives and docs live. Keys are content-addressed (see keys.ts), so
 * a put of the same bytes twice is harmless and a key's bytes never change.
 */
export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<PutResult>;
  /** The bytes, or null when there is no such key. */
  get(key: string): Promise<Buffer | null>;
  /**
   * The bytes as a stream, with the size the store reports for them (not a size
   * remembered elsewhere, so a Content-Length always matches the body sent).
   */
  getStream?(key: string): Promise<BlobStream | null>;
  head(key: string): Promise<{ size: number } | null>;
  delete(key: string): Promise<void>;
  /**
   * Every key starting with `prefix` (all keys without one), in no promised order. Read
   * lazily, so a store of any size is walked without holding its listing (fsck, gc, backup).
   */
  list(prefix?: string): AsyncIterable<BlobEntry>;
  /** A short-lived URL the client may download from directly, where the store has one. */
  presignGet?(key: string, expiresInSeconds: number): Promise<string>;
}
