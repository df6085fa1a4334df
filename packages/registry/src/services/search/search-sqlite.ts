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

/**
 * How well one row matches, from that row alone: per word, a name hit weighs 10, keywords 4, org 2,
 * description 1 (PostgreSQL's weights A–D). A word hits a column when a word there starts with it, as
 * in MATCH; search words are letters and digits only, so they are safe inside a GLOB pattern.
 */
function rowScore(words: string[]): RawBuilder<number> {
  const columns = [[sql`s.name`, 10], [sql`s.keywords`, 4], [sql`s.org`, 2], [sql`s.description`, 1]] as const;
  const terms = words.flatMap((word) => columns.map(([column, weight]) => sql`${weight} * (' ' || lower(${column}) GLOB ${`*[^a-z0-9]${word}*`})`));
  return sql<number>`(${sql.join(terms, sql` + `)})`;
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
    // Exact name (or org/name) first; then where the words are found. Not bm25: its weights come from
    // the whole table, private packages included, so an outsider's ranking would reveal their words.
    const rows = await sql<{ id: string }>`SELECT p.id ${from}
      ORDER BY (p.name = ${exact} OR o.name || '/' || p.name = ${exact}) DESC, ${rowScore(words)} DESC, o.name, p.name
      LIMIT ${limit} OFFSET ${offset}`.execute(db);
    return { total: Number(count.rows[0]?.n ?? 0), packageIds: rows.rows.map((r) => r.id) };
  }

  return { update, search };
}
