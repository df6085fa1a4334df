import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { SearchSort } from '@flock/core';
import type { Database } from '../../db/schema.js';

/**
 * Full-text search over packages, behind one small interface so that each
 * database keeps its dialect-specific SQL in its own module (SQLite: FTS5).
 */
export interface SearchQuery {
  /** The user's words, as typed. Empty lists every readable package. */
  text: string;
  /** Orgs whose private packages the asker may see; public packages are always searched. */
  readableOrgIds: readonly string[];
  limit: number;
  offset: number;
  /** relevance: as below; downloads: most downloaded first; recent: last updated first (then by relevance, then name). */
  sort: SearchSort;
  /** Only packages whose newest version has this keyword (lower-cased), or null. */
  keyword: string | null;
}

export interface SearchPage {
  /** How many readable packages match; private packages the asker may not read are never counted. */
  total: number;
  /** True when more match than were counted: `total` is then a lower bound. */
  capped?: boolean;
  /** Package ids, best first: an exact name match first, then by relevance. */
  packageIds: string[];
}

export interface SearchIndex {
  /** Re-reads one package's searchable fields (org, name, description, keywords) after a publish. */
  update(packageId: string): Promise<void>;
  search(query: SearchQuery): Promise<SearchPage>;
}

/**
 * A search's work is bounded however common its words, so no query holds the server for long (on SQLite,
 * search also runs off the server's thread: see db/sqlite-reader.ts). It ranks at most `rank` matching
 * packages from each of two lists (every word in the name, matches anywhere) plus the exact-name matches:
 * the exact name still comes first, and for one word the rest of the top is exact unless more than
 * `rank` packages have it in their names. It counts at most `count`
 * matches (a count reads no text, so it goes further); past that `capped` is set and readers show "N+".
 * Below both caps, results and totals are exact.
 */
export interface SearchCaps {
  rank: number;
  count: number;
}
export const SEARCH_CAPS: Readonly<SearchCaps> = { rank: 500, count: 2000 };

/** How many matches a search read (at most caps.count + 1), and how many of them the asker may read. */
export interface CountRow {
  scanned: number | string;
  n: number | string;
}

/** A search as two statements: the (capped) count, and one page of package ids, best first. */
export interface SearchSql {
  count: RawBuilder<CountRow>;
  rows: RawBuilder<{ id: string }>;
}

/** Runs one statement and returns its rows (on SQLite, possibly on the reader thread). */
export type RunQuery = <R>(query: RawBuilder<R>) => Promise<R[]>;

export async function runSearch(run: RunQuery, { count, rows }: SearchSql, caps: SearchCaps): Promise<SearchPage> {
  const counted = (await run(count))[0]!;
  const capped = Number(counted.scanned) > caps.count;
  const page = await run(rows);
  // Past the cap the total is "at least caps.count", whatever share of the rows read was visible.
  return { total: capped ? caps.count : Number(counted.n), capped, packageIds: page.map((r) => r.id) };
}

/** The words of a query: letters and digits only, so nothing the user types is query syntax. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0).slice(0, 16);
}

/** Public packages, and private ones of the given orgs (portable SQL over `packages p`). */
export function visibleTo(readableOrgIds: readonly string[]): RawBuilder<unknown> {
  if (readableOrgIds.length === 0) return sql`p.visibility = 'public'`;
  return sql`(p.visibility = 'public' OR p.org_id IN (${sql.join(readableOrgIds.map((id) => sql`${id}`))}))`;
}

/**
 * What a search may return: visible to the asker and, with a keyword, having it (an index look-up in
 * package_keywords). Portable SQL over `packages p`.
 */
export function filterOf({ readableOrgIds, keyword }: Pick<SearchQuery, 'readableOrgIds' | 'keyword'>): RawBuilder<unknown> {
  const visible = visibleTo(readableOrgIds);
  if (keyword === null) return visible;
  return sql`(${visible} AND p.id IN (SELECT k.package_id FROM package_keywords k WHERE k.keyword = ${keyword}))`;
}

/** A package's download total, 0 when never downloaded (portable SQL over `packages p`). */
export const downloadsOf = sql`coalesce((SELECT d.count FROM package_downloads d WHERE d.package_id = p.id), 0)`;

/** The ORDER BY terms that come before relevance for a sort (none for relevance itself). */
export function sortFirst(sort: SearchSort): RawBuilder<unknown> {
  if (sort === 'downloads') return sql`${downloadsOf} DESC, `;
  if (sort === 'recent') return sql`p.updated_at DESC, `;
  return sql``;
}

/** Runs statements on the database's own connection. */
export function runOn(db: Kysely<Database>): RunQuery {
  return async (query) => (await query.execute(db)).rows;
}

/** An empty query lists every readable package (with the keyword) by org and name, or by the sort: the same SQL on every database. */
export async function listReadable(run: RunQuery, query: SearchQuery): Promise<SearchPage> {
  const { limit, offset, sort } = query;
  const visible = filterOf(query);
  const count = await run(sql<{ n: number | string }>`SELECT count(*) AS n FROM packages p WHERE ${visible}`);
  const rows = await run(sql<{ id: string }>`SELECT p.id FROM packages p JOIN orgs o ON o.id = p.org_id WHERE ${visible}
    ORDER BY ${sortFirst(sort)}o.name, p.name LIMIT ${limit} OFFSET ${offset}`);
  return { total: Number(count[0]?.n ?? 0), packageIds: rows.map((r) => r.id) };
}
