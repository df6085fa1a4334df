import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256Hex } from '@flock/core/archive';
import { writeFileAtomic } from '../fs-write.js';

/**
 * Archives under ~/.kestrel/cache, content-addressed: `sha256/ab/<hex>.tar.gz`.
 * A file is only ever written under the name of its own hash, and is checked
 * again when read, so a corrupted file is never trusted.
 */
export function createArchiveCache(dir: string) {
  const pathOf = (hex: string) => join(dir, 'sha256', hex.slice(0, 2), `${hex}.tar.gz`);

  /** The cached bytes for `checksum` ("sha256:<hex>"), or null when absent or not matching. */
  async function get(checksum: string): Promise<Buffer | null> {
    const hex = checksum.replace(/^sha256:/, '');
    try {
      const bytes = await readFile(pathOf(hex));
      return sha256Hex(bytes) === hex ? bytes : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Stores bytes already verified against their checksum (temp file + rename: readers never see half a file). */
  async function put(bytes: Uint8Array): Promise<void> {
    const path = pathOf(sha256Hex(bytes));
    // 0700 like ~/.kestrel itself, which this may create first and which later holds the credentials.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // No fsync (a cold install writes a hundred archives): a file a crash left torn fails the hash
    // check in get() and is downloaded again.
    await writeFileAtomic(path, bytes, { flush: false });
  }

  return { get, put, pathOf };
}

export type ArchiveCache = ReturnType<typeof createArchiveCache>;
