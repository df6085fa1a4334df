import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { FlockError } from '@flock/core';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';
import { cachingStatements } from './statement-cache.js';
import { openSqliteReader, type SqliteReader } from './sqlite-reader.js';
import { describeDatabaseError, isDatabaseOutage, redactUrl, reportingOutages } from './unavailable.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  /** SQLite on a file: a second, read-only connection on its own thread, for long reads (search). */
  reader: SqliteReader | null;
  /**
   * SQLite on a file: PRAGMA data_version, which changes when another process
   * (an operator command, the rebuild worker) commits to the file; absent on PostgreSQL,
   * where the change feed tells replicas instead.
   */
  dataVersion?: () => number;
  close(): Promise<void>;
}

function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  if (path.length === 0) throw new FlockError('bad_request', `Invalid database URL "${url}"`);
  return path;
}

/** Opens the database named by `url` (sqlite:PATH or postgres://…) and brings its schema up to date. */
export async function openDatabase(url: string): Promise<DatabaseHandle> {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  if (!url.startsWith('sqlite:')) {
    throw new FlockError('bad_request', `Unsupported database URL "${url.split(':')[0]}:…": use sqlite:PATH or postgres://…`);
  }
  const path = sqlitePath(url);
  let sqlite: SQLite.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new SQLite(path);
  } catch (error) {
    throw cannotOpen(url, error);
  }
  // WAL lets readers go on while a publish writes; busy_timeout lets the CLI
  // operator commands and a running server share the file.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: reportingOutages(new SqliteDialect({ database: cachingStatements(sqlite) })) });
  await migrate(db, url);
  // An in-memory database is private to its connection: no second one can read it.
  const reader = path === ':memory:' ? null : openSqliteReader(path);
  return {
    db, dialect: 'sqlite', reader,
    ...(path === ':memory:' ? {} : { dataVersion: () => sqlite.pragma('data_version', { simple: true }) as number }),
    async close() {
      await reader?.close();
      await db.destroy();
    },
  };
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  // A database host that does not answer fails a request in seconds (then 503) rather than holding it forever.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client's network error must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: reportingOutages(new PostgresDialect({ pool })) });
  try {
    // Kysely's PostgreSQL migrator holds pg_advisory_lock while it migrates,
    // so replicas starting together apply each migration exactly once.
    await migrate(db, url);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: 'postgres', reader: null, close: () => db.destroy() };
}

/** One line for the operator, naming the setting and the cause (the URL without its password). */
function cannotOpen(url: string, error: unknown): FlockError {
  const message = `Cannot use the database in FLOCK_DATABASE_URL (${redactUrl(url)}): ${describeDatabaseError(error)}`;
  return new FlockError(isDatabaseOutage(error) ? 'unavailable' : 'internal', message, { cause: error });
}

async function migrate(db: Db, url: string): Promise<void> {
  // Migrations are independent of each other, so one merged later with a lower number may still run.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error } = await migrator.migrateToLatest();
  if (error) throw cannotOpen(url, error);
}

/** True when `error` is the database refusing a duplicate on a unique key. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}
