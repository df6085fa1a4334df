import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCS_SCHEMA, packArchive } from '@flock/core';
import { manifestFor } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Issue 11, item 4: downloads and package pages do as little as they can per request.
describe('reads: downloads and package pages', () => {
  let registry: TestRegistry;
  let token: string;
  let archive: Buffer;

  // Every query the server's services send goes through this one executor (the test registry shares its database handle).
  async function queriesDuring(run: () => Promise<void>): Promise<number> {
    const spy = vi.spyOn(registry.db.getExecutor(), 'executeQuery');
    try {
      await run();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  beforeAll(async () => {
    // Downloads from the registry's own S3 store are then answered by the registry itself, as from a folder.
    registry = await createTestRegistry({ FLOCK_S3_REDIRECT: 'false' });
    token = await registry.createUser('acme');
    const headers = { authorization: `Bearer ${token}` };
    // 2 MB that gzip cannot shrink, so the archive is a large one.
    const noise = Buffer.alloc(2_000_000);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    archive = await packArchive({
      root: 'big-1.0.0',
      entries: [
        { path: 'flock.toml', bytes: manifestFor('acme', 'big', '1.0.0') },
        { path: 'README.md', bytes: Buffer.from('# Big\n\nA **large** package.\n') },
        { path: 'data.bin', bytes: noise },
      ],
    });
    expect((await fetch(`${registry.url}/api/v1/packages/acme/big/1.0.0`, { method: 'PUT', body: archive, headers })).status).toBe(200);
    const docs = { schema: DOCS_SCHEMA, package: { org: 'acme', name: 'big', version: '1.0.0' }, modules: [{ name: 'big', path: 'src/big.ks', doc: 'The *big* module.', items: [] }] };
    expect((await fetch(`${registry.url}/api/v1/packages/acme/big/1.0.0/docs`, { method: 'PUT', body: JSON.stringify(docs), headers })).status).toBe(200);
  });
  afterAll(() => registry?.close());

  const download = () => fetch(`${registry.url}/api/v1/packages/acme/big/1.0.0/download`);

  it('streams an archive from the store: the whole blob is never read into memory', async () => {
    await registry.withServices(async ({ blobs }) => {
      expect(blobs.getStream).toBeDefined();
      const whole = vi.spyOn(blobs, 'get');
      const streamed = vi.spyOn(blobs, 'getStream');
      try {
        const response = await download();
        expect(response.status).toBe(200);
        expect(response.headers.get('content-length')).toBe(String(archive.byteLength));
        expect(Buffer.from(await response.arrayBuffer()).equals(archive)).toBe(true);
        expect(streamed).toHaveBeenCalledTimes(1);
        expect(whole).not.toHaveBeenCalled();
      } finally {
        whole.mockRestore();
        streamed.mockRestore();
      }
    });
  });

  it('answers a download of a package whose index entry is warm without a database query', async () => {
    await (await fetch(`${registry.url}/index/acme/big`)).arrayBuffer();
    let status = 0;
    const queries = await queriesDuring(async () => {
      const response = await download();
      status = response.status;
      await response.arrayBuffer();
    });
    expect(status).toBe(200);
    expect(queries).toBe(0);
    // The same rule as the index: an unknown version is a 404, and so is an unknown package.
    expect((await fetch(`${registry.url}/api/v1/packages/acme/big/9.9.9/download`)).status).toBe(404);
    expect((await fetch(`${registry.url}/api/v1/packages/acme/nothing/1.0.0/download`)).status).toBe(404);
  });

  it('renders a version\'s README and API reference once, then answers a signed-in page from the cache in two queries', async () => {
    // With a token the page is the reader's own (a member may see private packages), so only its content is cached.
    const page = async () => {
      const response = await fetch(`${registry.url}/flock/acme/big`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return response.text();
    };
    const before = await registry.withServices(async (s) => s.renderedPages.stats());
    const first = await page();
    const afterFirst = await registry.withServices(async (s) => s.renderedPages.stats());
    // Two renders: the content, and the downloads card.
    expect(afterFirst.misses).toBe(before.misses + 2);
    let second = '';
    const queries = await queriesDuring(async () => {
      second = await page();
    });
    const afterSecond = await registry.withServices(async (s) => s.renderedPages.stats());
    // No render the second time (a miss is a render), and the same page.
    expect(afterSecond.misses).toBe(afterFirst.misses);
    // Two hits: the content, and the downloads card (rendered again only when the counts change).
    expect(afterSecond.hits).toBe(afterFirst.hits + 2);
    expect(second).toBe(first);
    expect(second).toContain('A <strong>large</strong> package.');
    expect(second).toContain('The <em>big</em> module.');
    // The package with its org, and its versions; no README or docs read.
    expect(queries).toBe(2);
  });

  it('answers an anonymous view of a public page whole from memory, until the package changes', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const put = (version: string, body: Uint8Array | string, docs = false) =>
      fetch(`${registry.url}/api/v1/packages/acme/small/${version}${docs ? '/docs' : ''}`, { method: 'PUT', body, headers });
    const small = (version: string) => packArchive({ root: `small-${version}`, entries: [{ path: 'flock.toml', bytes: manifestFor('acme', 'small', version) }] });
    const page = async () => {
      const response = await fetch(`${registry.url}/flock/acme/small`);
      expect([response.status, response.headers.get('cache-control')]).toEqual([200, 'public, max-age=60']);
      return response.text();
    };
    expect((await put('1.0.0', await small('1.0.0'))).status).toBe(200);
    const first = await page();
    let again = '';
    expect(await queriesDuring(async () => void (again = await page()))).toBe(0);
    expect(again).toBe(first);

    // A new version, its docs and a yank (the newest is then 1.0.0 again, without docs) each show at once.
    expect((await put('1.1.0', await small('1.1.0'))).status).toBe(200);
    expect(await page()).toContain('1.1.0');
    const docs = { schema: DOCS_SCHEMA, package: { org: 'acme', name: 'small', version: '1.1.0' }, modules: [{ name: 'small', path: 'src/small.ks', doc: 'The *small* module.', items: [] }] };
    expect((await put('1.1.0', JSON.stringify(docs), true)).status).toBe(200);
    expect(await page()).toContain('The <em>small</em> module.');
    expect((await fetch(`${registry.url}/api/v1/packages/acme/small/1.1.0/yank`, { method: 'POST', headers })).status).toBe(200);
    expect(await page()).not.toContain('The <em>small</em> module.');
    // Private now: gone for anonymous readers, however warm the page was.
    expect((await fetch(`${registry.url}/api/v1/packages/acme/small/visibility`, { method: 'POST', body: JSON.stringify({ visibility: 'private' }), headers: { ...headers, 'content-type': 'application/json' } })).status).toBe(200);
    expect((await fetch(`${registry.url}/flock/acme/small`)).status).toBe(404);
  });
});
