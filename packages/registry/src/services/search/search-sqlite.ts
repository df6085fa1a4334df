import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import { listReadable, searchWords, visibleTo, type SearchIndex, type SearchPage, type SearchQuery } from './index.js';

/**
 * SQLite FTS5. The table is a plain (not external-content) FTS table holding
 * one row per package, refreshed on publish; visibility is checked at query
 * time against the packages table, so a visibility change needs no refresh.
 */
export async function createSqliteSearchTable(db: Kysely<any>): Promise<void> {
  await sql`CREATE VIRTUAL TABLE IF NOT EXISTS package_search USING fts5(package_id UNINDEXED, org, name, description, keywords, tokenize = 'unicode61')`.execute(db);
  await sql`INSERT INTO package_search (package_id, org, name, description, keywords)
    SELECT p.id, o.name, p.name, coalesce(p.description, ''), ${latestKeywords(sql`p.id`)}
    FROM packages p JOIN orgs o ON o.id = p.org_id`.execute(db);
}

// The keywords of the newest published version, flattened to words.
function latestKeywords(packageId: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`coalesce((SELECT replace(replace(replace(v.keywords, '[', ''), ']', ''), '"', ' ') FROM versions v
    WHERE v.package_id = ${packageId} ORDER BY v.published_at DESC LIMIT 1), '')`;
}


export function createSqliteSearchIndex(db: Kysely<Database>): SearchIndex {
  async function update(packageId: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await sql`DELETE FROM package_search WHERE package_id = ${packageId}`.execute(trx);
      await sql`INSERT INTO package_search (package_id, org, name, description, keywords)
        SELECT p.id, o.name, p.name, coalesce(p.description, ''), ${latestKeywords(sql`p.id`)}
        FROM packages p JOIN orgs o ON o.id = p.org_id WHERE p.id = ${packageId}`.execute(trx);
    });
  }

  async function search(query: SearchQuery): Promise<SearchPage> {
    const { text, readableOrgIds, limit, offset } = query;
    const words = searchWords(text);
    if (words.length === 0) return listReadable(db, query);
    const visible = visibleTo(readableOrgIds);
    // Every word must match, as a prefix ("pal" finds palette); quoting keeps them literal.
    const match = words.map((w) => `"${w}"*`).join(' ');
    const exact = text.trim().toLowerCase();
    const from = sql`FROM package_search s JOIN packages p ON p.id = s.package_id JOIN orgs o ON o.id = p.org_id
      WHERE package_search MATCH ${match} AND ${visible}`;
    const count = await sql<{ n: number }>`SELECT count(*) AS n ${from}`.execute(db);
    // Exact name (or org/name) first; then bm25 with a name hit weighing most, then keywords, org, description.
    const rows = await sql<{ id: string }>`SELECT p.id ${from}
      ORDER BY (p.name = ${exact} OR o.name || '/' || p.name = ${exact}) DESC,
        bm25(package_search, 0.0, 2.0, 10.0, 1.0, 4.0), o.name, p.name
      LIMIT ${limit} OFFSET ${offset}`.execute(db);
    return { total: Number(count.rows[0]?.n ?? 0), packageIds: rows.rows.map((r) => r.id) };
  }

  return { update, search };
}
