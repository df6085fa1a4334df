import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadsDto, PackageDto, SearchResultDto } from '@flock/core';
import { tempDir } from '../../../test-support/cli.js';
import { publishSpec } from '../../../test-support/project.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Counts are written only when a test flushes (the interval is an hour), so every number here is exact.
describe('download counts: API, package page, front page, search sort and keyword filter', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let owner: string;
  const today = new Date().toISOString().slice(0, 10);

  const get = (path: string, token?: string) => fetch(`${registry.url}${path}`, { redirect: 'manual', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  async function download(pkg: string, version: string, times: number, token?: string): Promise<void> {
    const answers = await Promise.all(Array.from({ length: times }, async () => {
      const response = await get(`/api/v1/packages/acme/${pkg}/${version}/download`, token);
      await response.arrayBuffer();
      return response.status;
    }));
    // Bytes on SQLite; a presigned redirect on the S3 store: each counts.
    for (const status of answers) expect([200, 302]).toContain(status);
  }
  const flush = () => registry.withServices((s) => s.downloads.flush());
  const counts = async (pkg: string, token?: string) => (await (await get(`/api/v1/packages/acme/${pkg}/downloads`, token)).json()) as DownloadsDto;
  const search = async (params: string) => {
    const response = await get(`/api/v1/search?${params}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as SearchResultDto).hits.map((h) => h.name);
  };

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_DOWNLOAD_FLUSH_MS: '3600000' });
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
    owner = await registry.createUser('acme');
    const env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: owner };
    await publishSpec(dir.path, { org: 'acme', name: 'alpha', version: '0.1.0', description: 'First', keywords: ['old'] }, env);
    await Promise.all([
      publishSpec(join(dir.path, 'b'), { org: 'acme', name: 'beta', version: '1.0.0', description: 'Second', keywords: ['cli'] }, env),
      publishSpec(join(dir.path, 'c'), { org: 'acme', name: 'gamma', version: '1.0.0', description: 'Third' }, env),
      publishSpec(join(dir.path, 'd'), { org: 'acme', name: 'secret', version: '1.0.0', description: 'Hidden', visibility: 'private', keywords: ['cli'] }, env),
    ]);
    // Published last: alpha is the most recently updated, and its keywords are its newest version's.
    await publishSpec(join(dir.path, 'a2'), { org: 'acme', name: 'alpha', version: '0.2.0', description: 'First', keywords: ['CLI', 'tools'] }, env);
  }, 120_000);

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('200 parallel downloads count exactly, per version and per day, once flushed', async () => {
    await Promise.all([download('alpha', '0.1.0', 120), download('alpha', '0.2.0', 80)]);
    expect((await counts('alpha')).total).toBe(0); // in memory until the flush
    await flush();
    const alpha = await counts('alpha');
    expect(alpha.total).toBe(200);
    expect(alpha.versions).toEqual({ '0.1.0': 120, '0.2.0': 80 });
    expect(alpha.daily).toHaveLength(90);
    expect(alpha.daily.at(-1)).toEqual({ day: today, count: 200 });
    expect(alpha.daily.slice(0, -1).every((d) => d.count === 0)).toBe(true);
    expect(((await (await get('/api/v1/packages/acme/alpha')).json()) as PackageDto).downloads).toBe(200);
    // A second flush adds to what is stored (count = count + n), never replaces it.
    await download('alpha', '0.2.0', 3);
    await flush();
    expect((await counts('alpha')).versions).toEqual({ '0.1.0': 120, '0.2.0': 83 });
  });

  it("a private package's counts are shown only to those who can see it", async () => {
    await download('secret', '1.0.0', 5, owner);
    await flush();
    const outsider = await registry.createUser('outsider');
    expect((await get('/api/v1/packages/acme/secret/downloads')).status).toBe(404);
    expect((await get('/api/v1/packages/acme/secret/downloads', outsider)).status).toBe(404);
    expect((await counts('secret', owner)).total).toBe(5);
  });

  it('the package page shows the totals, an accessible chart and per-version counts', async () => {
    const html = await (await get('/flock/acme/alpha')).text();
    expect(html).toContain('<dd id="downloads-total">203</dd>');
    expect(html).toContain('<dd id="downloads-recent">203</dd>');
    expect(html).toMatch(/<svg class="downloads-chart" role="img" aria-label="Downloads per day from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d: 203 in all, most on \d{4}-\d\d-\d\d \(203\)"/);
    // One bar, today's, full height; days without downloads draw none.
    expect(html.match(/<rect /g)).toHaveLength(1);
    expect(html).toContain(`<rect x="267" y="0" width="2" height="40"><title>${today}: 203</title></rect>`);
    expect(html).toContain('<span data-version="0.2.0">83</span>');
    expect(html).toContain('<span data-version="0.1.0">120</span>');
  });

  it('the cached anonymous page shows new counts after a flush, without being rendered again', async () => {
    const first = await (await get('/flock/acme/beta')).text();
    expect(first).toContain('<dd id="downloads-total">0</dd>');
    const before = await registry.withServices(async (s) => s.renderedPages.stats());
    await download('beta', '1.0.0', 7);
    await flush();
    const second = await (await get('/flock/acme/beta')).text();
    expect(second).toContain('<dd id="downloads-total">7</dd>');
    const after = await registry.withServices(async (s) => s.renderedPages.stats());
    // The page came from the cache; only the downloads card was rendered again.
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits).toBeGreaterThan(before.hits);
  });

  it('the front page: counts, recently updated (one row per package) and most downloaded, public only', async () => {
    const html = await (await get('/')).text();
    expect(html).toContain('<dd id="count-packages">3</dd>');
    expect(html).toContain('<dd id="count-versions">4</dd>');
    expect(html).toContain('<dd id="count-downloads">210</dd>'); // the private package's 5 left out
    const recent = /<ul class="versions" id="recent">(.*?)<\/ul>/s.exec(html)![1]!;
    expect([...recent.matchAll(/href="\/flock\/acme\/(\w+)"/g)].map((m) => m[1])[0]).toBe('alpha');
    expect(recent.match(/acme\/alpha</g)).toHaveLength(1);
    expect(recent).toContain('0.2.0');
    expect(recent).not.toContain('secret');
    const popular = /<ul class="versions" id="popular">(.*?)<\/ul>/s.exec(html)![1]!;
    expect([...popular.matchAll(/href="\/flock\/acme\/(\w+)"/g)].map((m) => m[1])).toEqual(['alpha', 'beta']);
    expect(popular).toContain('data-downloads="203"');
  });

  it('search sorts by downloads or recency and filters by keyword, in the API and on the page', async () => {
    expect(await search('')).toEqual(['alpha', 'beta', 'gamma']);
    expect(await search('sort=downloads')).toEqual(['alpha', 'beta', 'gamma']);
    expect((await search('sort=recent'))[0]).toBe('alpha');
    expect(await search('q=first+second+third&sort=downloads')).toEqual([]);
    expect(await search('q=acme&sort=downloads')).toEqual(['alpha', 'beta', 'gamma']);
    expect(await search('q=acme&sort=relevance')).toEqual(['alpha', 'beta', 'gamma']);
    // Keywords of the newest version, compared lower-cased; private packages only for members.
    expect(await search('keyword=cli')).toEqual(['alpha', 'beta']);
    expect(await search('keyword=CLI&sort=downloads')).toEqual(['alpha', 'beta']);
    expect(await search('keyword=tools')).toEqual(['alpha']);
    expect(await search('keyword=old')).toEqual([]);
    expect(await search('q=beta&keyword=cli')).toEqual(['beta']);
    expect(await search('q=gamma&keyword=cli')).toEqual([]);
    const member = (await (await get('/api/v1/search?keyword=cli', owner)).json()) as SearchResultDto;
    expect(member.hits.map((h) => h.name)).toEqual(['alpha', 'beta', 'secret']);
    const hit = ((await (await get('/api/v1/search?q=alpha')).json()) as SearchResultDto).hits[0]!;
    expect(hit).toMatchObject({ name: 'alpha', downloads: 203 });

    const page = await (await get('/search?keyword=cli')).text();
    expect(page).toContain('Packages with keyword <span id="keyword">cli</span>');
    const results = /<ul class="versions" id="results">(.*?)<\/ul>/s.exec(page)![1]!;
    expect([...results.matchAll(/href="\/flock\/acme\/(\w+)"/g)].map((m) => m[1])).toEqual(['alpha', 'beta']);
    expect(page).toContain('<a href="/search?keyword=cli&amp;sort=downloads">Downloads</a>');
    const sorted = await (await get('/search?sort=recent')).text();
    expect(sorted).toContain('<strong aria-current="true">Recently updated</strong>');
  });

  it('a bad sort or keyword is a 400 naming it', async () => {
    const api = await get('/api/v1/search?sort=popular');
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({ error: 'Invalid sort "popular": expected relevance, downloads, recent' });
    expect((await get(`/api/v1/search?keyword=${'k'.repeat(51)}`)).status).toBe(400);
    expect((await get('/search?sort=popular')).status).toBe(400);
  });
});
