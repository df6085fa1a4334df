import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 as Kysely's SQLite dialect sees it, but with each statement
 * prepared once per distinct SQL text: Kysely calls `prepare` for every query,
 * and preparing (parsing and planning) was a large part of a read's cost.
 * Kysely's SQL for one query shape is the same text with parameters apart, so
 * the cache holds one statement per shape; `maxEntries` bounds it for shapes
 * that vary (an IN list of a different length each time), oldest first.
 * A cached statement still iterating (a streamed query) is not handed out twice.
 */
export function cachingStatements(sqlite: SQLite.Database, maxEntries = 500): SqliteDatabase & { readonly cachedStatements: number } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) return cached;
      const statement = sqlite.prepare(sql);
      if (cached === undefined) {
        if (statements.size >= maxEntries) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
    get cachedStatements() {
      return statements.size;
    },
  };
}
