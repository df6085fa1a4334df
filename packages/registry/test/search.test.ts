import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResultDto } from '@flock/core';
import { tempDir } from '../../../test-support/cli.js';
import { publishSpec, type ProjectSpec } from '../../../test-support/project.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('search: API and web page', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let owner: string;

  async function search(query: string, page?: number, token?: string): Promise<SearchResultDto> {
    const params = new URLSearchParams({ q: query, ...(page ? { page: String(page) } : {}) });
    const response = await fetch(`${registry.url}/api/v1/search?${params.toString()}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect(response.status).toBe(200);
    return (await response.json()) as SearchResultDto;
  }
  const names = (result: SearchResultDto) => result.hits.map((h) => `${h.org}/${h.name}`);

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
    owner = await registry.createUser('acme');
    await registry.createUser('zed');
    const env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: owner };
    const specs: ProjectSpec[] = [
      { org: 'acme', name: 'colorful-things', version: '1.0.0', description: 'Color, color and more color' },
      { org: 'acme', name: 'palette', version: '2.0.0', description: 'Color mixing', keywords: ['colour', 'swatch'] },
      { org: 'acme', name: 'color', version: '0.1.0', description: 'Terminal codes' },
      { org: 'acme', name: 'color-vault', version: '1.0.0', description: 'Secret color recipes', visibility: 'private' },
      { org: 'acme', name: 'util-secret', version: '1.0.0', description: 'A util', visibility: 'private' },
      ...Array.from({ length: 21 }, (_, i): ProjectSpec => ({ org: 'acme', name: `util-${i + 1}`, version: '1.0.0', description: 'A util' })),
    ];
    // Four publishes at a time: each is a real `flock publish`.
    for (let i = 0; i < specs.length; i += 4) {
      await Promise.all(specs.slice(i, i + 4).map((spec) => publishSpec(dir.path, spec, env)));
    }
  }, 120_000);

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('an empty query lists every package the asker may read, by name, private ones only for members', async () => {
    const anonymous = await search('');
    expect(anonymous.total).toBe(24);
    expect(names(anonymous).slice(0, 3)).toEqual(['acme/color', 'acme/colorful-things', 'acme/palette']);
    expect(names(await search('', 2))).not.toContain('acme/color-vault');
    const member = await search('', 1, owner);
    expect(member.total).toBe(26);
    expect(names(member).slice(0, 3)).toEqual(['acme/color', 'acme/color-vault', 'acme/colorful-things']);
  });

  it("a hit shows the package's newest version by semver, skipping yanked ones", async () => {
    const env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: owner };
    for (const version of ['0.2.0', '0.10.0']) {
      expect((await publishSpec(dir.path, { org: 'acme', name: 'color', version, description: 'Terminal codes' }, env)).code).toBe(0);
    }
    const hitOf = async () => (await search('color')).hits.find((h) => h.name === 'color')!;
    expect((await hitOf()).version).toBe('0.10.0');
    const yank = await fetch(`${registry.url}/api/v1/packages/acme/color/0.10.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${owner}` } });
    expect(yank.status).toBe(200);
    expect((await hitOf()).version).toBe('0.2.0');
  });

  it('ranks an exact name first, then by relevance', async () => {
    const result = await search('color');
    expect(names(result)).toEqual(['acme/color', 'acme/colorful-things', 'acme/palette']);
    expect(result.total).toBe(3);
    expect(names(await search('acme/color'))[0]).toBe('acme/color');
  });

  it("a private package's words do not change the order outsiders see", async () => {
    const env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: owner };
    const publish = async (spec: ProjectSpec) => expect((await publishSpec(dir.path, spec, env)).code).toBe(0);
    await publish({ org: 'acme', name: 'alpha-thing', version: '1.0.0', description: 'beta words' });
    await publish({ org: 'acme', name: 'beta-thing', version: '1.0.0', description: 'alpha words' });
    const before = await (await fetch(`${registry.url}/api/v1/search?q=alpha+beta`)).text();
    expect(names(JSON.parse(before) as SearchResultDto).sort()).toEqual(['acme/alpha-thing', 'acme/beta-thing']);
    await publish({ org: 'acme', name: 'alpha-vault', version: '1.0.0', description: 'alpha alpha stuff', visibility: 'private' });
    expect(await (await fetch(`${registry.url}/api/v1/search?q=alpha+beta`)).text()).toBe(before);
  });

  it('searches org, name, description and keywords, every word as a prefix', async () => {
    expect(names(await search('swatch'))).toEqual(['acme/palette']);
    expect(names(await search('mixing'))).toEqual(['acme/palette']);
    expect(names(await search('termin'))).toEqual(['acme/color']);
    expect((await search('acme')).total).toBe(26);
    expect((await search('zed')).total).toBe(0);
    expect(await search('"quoted" OR * NEAR(x)')).toMatchObject({ total: 0, hits: [] });
  });

  it('paginates, and neither hits nor counts include private packages the asker may not read', async () => {
    const first = await search('util');
    expect(first.total).toBe(21);
    expect(first.hits).toHaveLength(20);
    const second = await search('util', 2);
    expect(names(second)).toHaveLength(1);
    expect(new Set([...names(first), ...names(second)]).size).toBe(21);
    expect(names(first).concat(names(second))).not.toContain('acme/util-secret');
    const asOwner = await search('util', 1, owner);
    expect(asOwner.total).toBe(22);
    expect((await search('color', 1, owner)).hits.map((h) => h.name)).toContain('color-vault');
  });

  it('refuses a bad page with a one-line error', async () => {
    const response = await fetch(`${registry.url}/api/v1/search?q=x&page=zero`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'Invalid page "zero": expected a whole number' });
  });

  it('the web search page lists hits with links, the count and pagination', async () => {
    const html = await (await fetch(`${registry.url}/search?q=color`)).text();
    expect(html).toContain('<p class="lead" id="total">3 packages</p>');
    expect(html.indexOf('href="/flock/acme/color"')).toBeLessThan(html.indexOf('href="/flock/acme/colorful-things"'));
    expect(html).not.toContain('color-vault');
    const paged = await (await fetch(`${registry.url}/search?q=util`)).text();
    expect(paged).toContain('Page 1 of 2');
    expect(paged).toContain('<a rel="next" href="/search?q=util&amp;page=2">Next</a>');
  });
});
