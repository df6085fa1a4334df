import { randomUUID } from 'node:crypto';
import { mkdir, open, opendir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { sha256Hex } from '@flock/core';
import type { BlobEntry, BlobStore, BlobStream, PutResult } from './store.js';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Files under `dir` (recursively), as keys relative to the store's root; a folder gone meanwhile is empty. */
async function* walk(base: string, dir: string): AsyncGenerator<BlobEntry> {
  let entries;
  try {
    entries = await opendir(dir);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  for await (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* walk(base, path);
    } else if (entry.isFile()) {
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        // Deleted between the listing and the stat (gc, a failed publish's cleanup): not there.
        if (isMissing(error)) continue;
        throw error;
      }
      yield { key: relative(base, path).split(sep).join('/'), size: info.size, lastModified: info.mtime };
    }
  }
}

/** A folder on the local disk. Writes go to a temp file and are renamed, so a reader never sees half a blob. */
export function createFsBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const pathOf = (key: string): string => {
    const path = resolve(base, key);
    if (!path.startsWith(base + sep)) throw new Error(`blob key escapes the store: ${key}`);
    return path;
  };
  return {
    async put(key: string, bytes: Uint8Array): Promise<PutResult> {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.tmp-${randomUUID()}`);
      try {
        await writeFile(temp, bytes);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { sha256: sha256Hex(bytes), size: bytes.byteLength };
    },
    async get(key: string) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async getStream(key: string): Promise<BlobStream | null> {
      // Opened here (not by the stream), so a missing key is null rather than an error mid-response.
      let file: FileHandle;
      try {
        file = await open(pathOf(key), 'r');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      try {
        return { body: file.createReadStream(), size: (await file.stat()).size };
      } catch (error) {
        await file.close();
        throw error;
      }
    },
    async head(key: string) {
      try {
        return { size: (await stat(pathOf(key))).size };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async delete(key: string) {
      await rm(pathOf(key), { force: true });
    },
    async *list(prefix = '') {
      // Only the folder the prefix names is walked: list('sha256/ab/') reads one folder, not the store.
      const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const start = folder === '' ? base : pathOf(folder);
      // Temp files of writes in flight (.tmp-*) are listed too: they are in the folder, and gc's grace period covers them.
      for await (const entry of walk(base, start)) if (entry.key.startsWith(prefix)) yield entry;
    },
  };
}
