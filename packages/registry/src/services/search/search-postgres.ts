import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import { downloadsOf, filterOf, listReadable, runOn, runSearch, SEARCH_CAPS, searchWords, type CountRow, type SearchCaps, type SearchIndex, type SearchPage, type SearchQuery, type SearchSql } from './index.js';

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

/** The two statements of a search for some words (SQL only, so tests can EXPLAIN them). */
export function postgresSearchSql(words: string[], query: SearchQuery, caps: SearchCaps): SearchSql {
  const { text, limit, offset, sort } = query;
  const visible = filterOf(query);
  // Every word must match, as a prefix ("pal" finds palette); with `:*A`, in the name (weight A).
  // searchWords keeps letters and digits only, so nothing typed is tsquery syntax.
  const tsquery = (suffix: string) => sql`to_tsquery('simple', ${words.map((w) => `${w}${suffix}`).join(' & ')})`;
  const exact = text.trim().toLowerCase();
  // Both read at most a cap of matches through the GIN index. `OFFSET 0` keeps each LATERAL a per-row
  // index look-up: the planner underestimates what a LIMIT returns and would otherwise hash-join by
  // scanning every package (or every document).
  const count = sql<CountRow>`
    SELECT count(*) AS scanned, count(*) FILTER (WHERE c.visible) AS n
    FROM (SELECT package_id FROM package_search WHERE document @@ ${tsquery(':*')} LIMIT ${caps.count + 1}) m
    CROSS JOIN LATERAL (SELECT ${visible} AS visible FROM packages p WHERE p.id = m.package_id OFFSET 0) c`;
  const [org, name] = exact.includes('/') ? exact.split('/', 2) : [null, exact];
  // Candidates: the exact names (by index), the first matches in the name, the first matches anywhere.
  const candidates = sql`SELECT p.id FROM packages p JOIN orgs o ON o.id = p.org_id WHERE p.name = ${name}${org === null ? sql`` : sql` AND o.name = ${org}`}
    UNION (SELECT package_id FROM package_search WHERE document @@ ${tsquery(':*A')} LIMIT ${caps.rank})
    UNION (SELECT package_id FROM package_search WHERE document @@ ${tsquery(':*')} LIMIT ${caps.rank})`;
  // Sorting by downloads or recency orders the same bounded candidates.
  const first = sort === 'downloads' ? sql`c.downloads DESC, ` : sort === 'recent' ? sql`c.updated_at DESC, ` : sql``;
  const downloads = sort === 'downloads' ? downloadsOf : sql`0`;
  const rows = sql<{ id: string }>`SELECT c.id FROM (${candidates}) m (id)
    CROSS JOIN LATERAL (SELECT p.id, p.name, o.name AS org, ts_rank(s.document, ${tsquery(':*')}, 0) AS rank,
        p.updated_at, ${downloads} AS downloads
      FROM packages p JOIN orgs o ON o.id = p.org_id JOIN package_search s ON s.package_id = p.id
      WHERE p.id = m.id AND s.document @@ ${tsquery(':*')} AND ${visible} OFFSET 0) c
    ORDER BY ${first}(c.name = ${exact} OR c.org || '/' || c.name = ${exact}) DESC, c.rank DESC, c.org, c.name
    LIMIT ${limit} OFFSET ${offset}`;
  return { count, rows };
}

export function createPostgresSearchIndex(db: Kysely<Database>, caps: SearchCaps = SEARCH_CAPS): SearchIndex {
  async function update(packageId: string): Promise<void> {
    await sql`INSERT INTO package_search (package_id, document)
      SELECT p.id, ${documentOf(sql`p`, sql`o`)} FROM packages p JOIN orgs o ON o.id = p.org_id WHERE p.id = ${packageId}
      ON CONFLICT (package_id) DO UPDATE SET document = excluded.document`.execute(db);
  }

  async function search(query: SearchQuery): Promise<SearchPage> {
    const words = searchWords(query.text);
    if (words.length === 0) return listReadable(runOn(db), query);
    return runSearch(runOn(db), postgresSearchSql(words, query, caps), caps);
  }

  return { update, search };
}
