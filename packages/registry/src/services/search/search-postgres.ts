import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import { listReadable, searchWords, visibleTo, type SearchIndex, type SearchPage, type SearchQuery } from './index.js';

/**
 * PostgreSQL full-text search: one row per package with a weighted tsvector
 * (name A, keywords B, org C, description D) under a GIN index, refreshed on
 * publish. The 'simple' configuration (no stemming, no stop words) suits
 * package names. Visibility is checked at query time, as on SQLite.
 */
export async function createPostgresSearchTable(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS package_search (
    package_id text PRIMARY KEY REFERENCES packages(id),
    document tsvector NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS package_search_document ON package_search USING gin (document)`.execute(db);
  await sql`INSERT INTO package_search (package_id, document)
    SELECT p.id, ${documentOf(sql`p`, sql`o`)} FROM packages p JOIN orgs o ON o.id = p.org_id
    ON CONFLICT (package_id) DO NOTHING`.execute(db);
}

// The keywords of the newest published version, as words.
function latestKeywords(packageId: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`coalesce((SELECT translate(v.keywords, '[]",', '    ') FROM versions v
    WHERE v.package_id = ${packageId} ORDER BY v.published_at DESC LIMIT 1), '')`;
}

function documentOf(p: RawBuilder<unknown>, o: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`setweight(to_tsvector('simple', replace(${p}.name, '-', ' ') || ' ' || ${p}.name), 'A')
    || setweight(to_tsvector('simple', ${latestKeywords(sql`${p}.id`)}), 'B')
    || setweight(to_tsvector('simple', replace(${o}.name, '-', ' ') || ' ' || ${o}.name), 'C')
    || setweight(to_tsvector('simple', coalesce(${p}.description, '')), 'D')`;
}

export function createPostgresSearchIndex(db: Kysely<Database>): SearchIndex {
  async function update(packageId: string): Promise<void> {
    await sql`INSERT INTO package_search (package_id, document)
      SELECT p.id, ${documentOf(sql`p`, sql`o`)} FROM packages p JOIN orgs o ON o.id = p.org_id WHERE p.id = ${packageId}
      ON CONFLICT (package_id) DO UPDATE SET document = excluded.document`.execute(db);
  }

  async function search(query: SearchQuery): Promise<SearchPage> {
    const { text, readableOrgIds, limit, offset } = query;
    const words = searchWords(text);
    if (words.length === 0) return listReadable(db, query);
    const visible = visibleTo(readableOrgIds);
    // Every word must match, as a prefix ("pal" finds palette). searchWords keeps letters and digits only,
    // so nothing typed is tsquery syntax.
    const tsquery = sql`to_tsquery('simple', ${words.map((w) => `${w}:*`).join(' & ')})`;
    const exact = text.trim().toLowerCase();
    const from = sql`FROM package_search s JOIN packages p ON p.id = s.package_id JOIN orgs o ON o.id = p.org_id
      WHERE s.document @@ ${tsquery} AND ${visible}`;
    const count = await sql<{ n: string }>`SELECT count(*) AS n ${from}`.execute(db);
    const rows = await sql<{ id: string }>`SELECT p.id ${from}
      ORDER BY (p.name = ${exact} OR o.name || '/' || p.name = ${exact}) DESC,
        ts_rank(s.document, ${tsquery}, 0) DESC, o.name, p.name
      LIMIT ${limit} OFFSET ${offset}`.execute(db);
    return { total: Number(count.rows[0]?.n ?? 0), packageIds: rows.rows.map((r) => r.id) };
  }

  return { update, search };
}
