import { SqliteAdapter, type Kysely } from 'kysely';

/** True when `db` talks to SQLite: the few dialect-specific bits (full-text search) branch on this. */
export function isSqlite(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}
