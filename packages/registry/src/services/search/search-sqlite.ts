import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { SqliteReader } from '../../db/sqlite-reader.js';
import { filterOf, listReadable, runOn, runSearch, type RunQuery, SEARCH_CAPS, searchWords, sortFirst, type CountRow, type SearchCaps, type SearchIndex, type SearchPage, type SearchQuery, type SearchSql } from './index.js';

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

/** The search query: every word must match, as a prefix ("pal" finds palette); quoting keeps them literal. */
function matchAll(words: string[]): string {
  return words.map((w) => `"${w}"*`).join(' ');
}

/**
 * Rows whose name (and org, for "org/name") is exactly the query, found by the name's words as a phrase at
 * the start of the name column: they rank first, so they are looked up whatever the cap kept.
 */
function exactRows(exact: string): RawBuilder<unknown> | null {
  const parts = exact.split('/');
  if (parts.length > 2) return null;
  const [org, name] = parts.length === 2 ? parts : [null, parts[0]!];
  const phrase = (column: string, text: string) => `{${column}} : ^"${searchWords(text).join(' ')}"`;
  if (searchWords(name).length === 0 || (org !== null && searchWords(org).length === 0)) return null;
  const match = org === null ? phrase('name', name) : `${phrase('org', org)} AND ${phrase('name', name)}`;
  return sql`SELECT rowid AS r FROM package_search WHERE package_search MATCH ${match} AND name = ${name}${org === null ? sql`` : sql` AND org = ${org}`}`;
}

/** The two statements of a search for some words (SQL only, so tests can EXPLAIN them). */
export function sqliteSearchSql(words: string[], query: SearchQuery, caps: SearchCaps): SearchSql {
  const { text, limit, offset, sort } = query;
  const visible = filterOf(query);
  const exact = text.trim().toLowerCase();
  // MATCH runs once, in the FTS table, and drives the rest: MATERIALIZED and CROSS JOIN keep the planner
  // from scanning packages and running the match once per package (quadratic at scale).
  const count = sql<CountRow>`
    WITH m AS MATERIALIZED (SELECT package_id FROM package_search WHERE package_search MATCH ${matchAll(words)} LIMIT ${caps.count + 1})
    SELECT count(*) AS scanned, coalesce(sum(${visible}), 0) AS n FROM m CROSS JOIN packages p WHERE p.id = m.package_id`;
  const exactPool = exactRows(exact);
  // Candidates: the first rows matching in the name column (they outrank the rest), the first rows
  // matching anywhere, and the exact names.
  const candidates = sql`SELECT r FROM (SELECT rowid AS r FROM package_search WHERE package_search MATCH ${`{name} : (${matchAll(words)})`} LIMIT ${caps.rank})
    UNION SELECT r FROM (SELECT rowid AS r FROM package_search WHERE package_search MATCH ${matchAll(words)} LIMIT ${caps.rank})
    ${exactPool ? sql`UNION ${exactPool}` : sql``}`;
  // Exact name (or org/name) first; then where the words are found. Not bm25: its weights come from
  // the whole table, private packages included, so an outsider's ranking would reveal their words.
  // Sorting by downloads or recency orders the same bounded candidates.
  const rows = sql<{ id: string }>`
    WITH m AS MATERIALIZED (${candidates})
    SELECT p.id FROM m CROSS JOIN package_search s CROSS JOIN packages p JOIN orgs o ON o.id = p.org_id
    WHERE s.rowid = m.r AND p.id = s.package_id AND ${visible}
    ORDER BY ${sortFirst(sort)}(p.name = ${exact} OR o.name || '/' || p.name = ${exact}) DESC, ${rowScore(words)} DESC, o.name, p.name
    LIMIT ${limit} OFFSET ${offset}`;
  return { count, rows };
}

/** `reader`: where searches run (off the server's thread); without one, on `db`'s connection. */
export function createSqliteSearchIndex(db: Kysely<Database>, caps: SearchCaps = SEARCH_CAPS, reader: SqliteReader | null = null): SearchIndex {
  const run: RunQuery = reader ? (query) => reader.all(query.compile(db)) : runOn(db);
  async function update(packageId: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await sql`DELETE FROM package_search WHERE package_id = ${packageId}`.execute(trx);
      await sql`INSERT INTO package_search (package_id, org, name, description, keywords)
        SELECT p.id, o.name, p.name, coalesce(p.description, ''), ${latestKeywords(sql`p.id`)}
        FROM packages p JOIN orgs o ON o.id = p.org_id WHERE p.id = ${packageId}`.execute(trx);
    });
  }

  async function search(query: SearchQuery): Promise<SearchPage> {
    const words = searchWords(query.text);
    if (words.length === 0) return listReadable(run, query);
    return runSearch(run, sqliteSearchSql(words, query, caps), caps);
  }

  return { update, search };
}
