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
}

export interface SearchPage {
  /** How many readable packages match; private packages the asker may not read are never counted. */
  total: number;
  /** Package ids, best first: an exact name match first, then by relevance. */
  packageIds: string[];
}

export interface SearchIndex {
  /** Re-reads one package's searchable fields (org, name, description, keywords) after a publish. */
  update(packageId: string): Promise<void>;
  search(query: SearchQuery): Promise<SearchPage>;
}

/** The words of a query: letters and digits only, so nothing the user types is query syntax. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0).slice(0, 16);
}
