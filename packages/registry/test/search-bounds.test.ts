import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { SearchResultDto } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../../../test-support/backend.js';
import { tempDir } from '../../../test-support/cli.js';
import { publishSpec, type ProjectSpec } from '../../../test-support/project.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { SearchPage } from '../src/routes/web/search-page.js';
import { SEARCH_CAPS, searchWords, type SearchCaps, type SearchQuery } from '../src/services/search/index.js';
import { createPostgresSearchIndex, postgresSearchSql } from '../src/services/search/search-postgres.js';
import { createSqliteSearchIndex, sqliteSearchSql } from '../src/services/search/search-sqlite.js';

// How search stays fast at 100,000 packages (timings: `npm run bench:search`): the full-text index
// drives each query, and a search reads a bounded number of matches.
describe('search: query plan and bounded work', () => {
  const postgres = backendName() === 'postgres-s3';
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };

  const query = (text: string): SearchQuery => ({ text, readableOrgIds: [], limit: 20, offset: 0, sort: 'relevance', keyword: null });
  const searchSql = (text: string, caps: SearchCaps) => (postgres ? postgresSearchSql : sqliteSearchSql)(searchWords(text), query(text), caps);
  const index = (caps: SearchCaps) => (postgres ? createPostgresSearchIndex : createSqliteSearchIndex)(registry.db, caps);
  async function names(ids: string[]): Promise<string[]> {
    const rows = await registry.db.selectFrom('packages').select(['id', 'name']).where('id', 'in', ids).execute();
    return ids.map((id) => rows.find((r) => r.id === id)!.name);
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
    const env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: await registry.createUser('acme') };
    // Published in this order, so the exact name "widget" comes last in the full-text index.
    const specs: ProjectSpec[] = [
      ...[1, 2, 3, 4].map((i): ProjectSpec => ({ org: 'acme', name: `widget-${i}`, version: '1.0.0', description: 'A widget' })),
      { org: 'acme', name: 'widget-secret', version: '1.0.0', description: 'A widget', visibility: 'private' },
      { org: 'acme', name: 'widget', version: '1.0.0', description: 'The widget' },
    ];
    for (const spec of specs) expect((await publishSpec(dir.path, spec, env)).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('the full-text index drives both statements (the match runs once, not once per package)', async () => {
    const statements = searchSql('widget', SEARCH_CAPS);
    for (const statement of [statements.count, statements.rows]) {
      if (postgres) {
        // A handful of rows would be scanned sequentially; with seqscan off the plan shows what the index is used for.
        const plan = await registry.db.transaction().execute(async (trx) => {
          await sql`SET LOCAL enable_seqscan = off`.execute(trx);
          return (await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${statement}`.execute(trx)).rows.map((r) => r['QUERY PLAN']).join('\n');
        });
        expect(plan).toContain('Bitmap Index Scan on package_search_document');
        expect(plan).not.toMatch(/Seq Scan on packages/);
      } else {
        const plan = (await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${statement}`.execute(registry.db)).rows.map((r) => r.detail);
        expect(plan.find((step) => /^(SCAN|SEARCH) /.test(step))).toMatch(/^SCAN package_search VIRTUAL TABLE INDEX/);
      }
    }
  });

  it('below the caps, totals and ranking are exact: the exact name first, private packages neither listed nor counted', async () => {
    const found = await index(SEARCH_CAPS).search(query('widget'));
    expect(found).toMatchObject({ total: 5, capped: false });
    expect(await names(found.packageIds)).toEqual(['widget', 'widget-1', 'widget-2', 'widget-3', 'widget-4']);
  });

  it('past the caps, a search reads only so many matches, says the total is capped, and still ranks the exact name first', async () => {
    const found = await index({ rank: 2, count: 3 }).search(query('widget'));
    expect(found).toMatchObject({ total: 3, capped: true });
    // Ranked: the exact name (looked up whatever the cap kept) and the first two matches.
    expect(await names(found.packageIds)).toEqual(['widget', 'widget-1', 'widget-2']);
    expect(await names((await index({ rank: 2, count: 3 }).search(query('acme/widget'))).packageIds)).toContain('widget');
  });

  // better-sqlite3 is synchronous: a search on the server's own connection would hold every other request.
  // PostgreSQL answers asynchronously, so it has no reader thread.
  it('on SQLite the API runs search statements, an empty query too, on the reader thread', async () => {
    if (postgres) return void expect(registry.sqliteReader ?? null).toBeNull();
    const before = registry.sqliteReader!.ran;
    expect(((await (await fetch(`${registry.url}/api/v1/search?q=widget`)).json()) as SearchResultDto).total).toBe(5);
    expect(((await (await fetch(`${registry.url}/api/v1/search?q=`)).json()) as SearchResultDto).total).toBe(5);
    expect(registry.sqliteReader!.ran - before).toBe(4);
  });

  it('a capped total reads "N+" on the web page', async () => {
    const result = { query: 'widget', sort: 'relevance' as const, keyword: null, page: 1, perPage: 20, total: 5000, capped: true as const, hits: [] };
    expect(String(await SearchPage({ result }).toString())).toContain('<p class="lead" id="total">5000+ packages</p>');
    const { capped: _, ...exact } = result;
    expect(String(await SearchPage({ result: exact }).toString())).toContain('<p class="lead" id="total">5000 packages</p>');
  });
});
