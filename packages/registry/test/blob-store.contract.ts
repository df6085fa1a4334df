import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentKey } from '../src/blobs/keys.js';
import type { BlobStore } from '../src/blobs/store.js';

function blob(size = 1024): { key: string; bytes: Buffer; hex: string } {
  const bytes = randomBytes(size);
  const hex = createHash('sha256').update(bytes).digest('hex');
  return { key: contentKey(hex), bytes, hex };
}

/** What every BlobStore must do; run once per implementation. */
export function blobStoreContract(name: string, open: () => BlobStore, options: { presigns: boolean }) {
  describe(`BlobStore contract: ${name}`, () => {
    it('puts and gets the exact bytes, reporting their sha256 and size', async () => {
      const store = open();
      const { key, bytes, hex } = blob(70_000);
      expect(await store.put(key, bytes)).toEqual({ sha256: hex, size: bytes.byteLength });
      expect((await store.get(key))!.equals(bytes)).toBe(true);
      expect(await store.head(key)).toEqual({ size: bytes.byteLength });
    });

    it('answers null for a key it does not have', async () => {
      const store = open();
      const { key } = blob();
      expect(await store.get(key)).toBeNull();
      expect(await store.head(key)).toBeNull();
    });

    it('streams the exact bytes with their size, and answers null for a key it does not have', async () => {
      const store = open();
      const { key, bytes } = blob(200_000);
      await store.put(key, bytes);
      const stream = await store.getStream!(key);
      const chunks: Buffer[] = [];
      expect(stream!.size).toBe(bytes.byteLength);
      for await (const chunk of stream!.body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
      expect(await store.getStream!(blob().key)).toBeNull();
    });

    it('a second put of the same key is harmless', async () => {
      const store = open();
      const { key, bytes } = blob();
      await store.put(key, bytes);
      await store.put(key, bytes);
      expect((await store.get(key))!.equals(bytes)).toBe(true);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      const store = open();
      const { key, bytes } = blob();
      await store.put(key, bytes);
      await store.delete(key);
      expect(await store.get(key)).toBeNull();
      await store.delete(key);
    });

    it('lists keys under a prefix with their size and time, lazily, and no longer once deleted', async () => {
      const store = open();
      const { key, bytes } = blob(3000);
      const other = blob(10);
      await store.put(key, bytes);
      await store.put(other.key, other.bytes);
      const collect = async (prefix?: string) => {
        const entries = [];
        for await (const entry of store.list(prefix)) entries.push(entry);
        return entries;
      };
      const exact = await collect(key);
      expect(exact).toEqual([{ key, size: 3000, lastModified: expect.any(Date) }]);
      // The store's clock and ours are the same machine's: a just-written blob is dated about now.
      expect(Math.abs(exact[0]!.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
      const folder = key.slice(0, 'sha256/ab/'.length);
      expect((await collect(folder)).map((e) => e.key)).toContain(key);
      expect((await collect(folder)).every((e) => e.key.startsWith(folder))).toBe(true);
      const all = (await collect()).map((e) => e.key);
      expect(all).toEqual(expect.arrayContaining([key, other.key]));
      await store.delete(key);
      expect(await collect(key)).toEqual([]);
      expect(await collect('sha256/zz/')).toEqual([]);
    });

    it('stores an empty blob', async () => {
      const store = open();
      const { key, bytes } = blob(0);
      await store.put(key, bytes);
      expect((await store.get(key))!.byteLength).toBe(0);
    });

    if (options.presigns) {
      it('presigns a URL that serves the bytes without credentials', async () => {
        const store = open();
        const { key, bytes } = blob(5000);
        await store.put(key, bytes);
        const url = await store.presignGet!(key, 60);
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      });
    } else {
      it('has no presigned URLs', () => {
        expect(open().presignGet).toBeUndefined();
      });
    }
  });
}
