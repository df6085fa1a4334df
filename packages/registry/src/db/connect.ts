import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { FlockError } from '@flock/core';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

function sqlitePath(url: string): string {
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  if (path.length === 0) throw new FlockError('bad_request', `Invalid database URL "${url}"`);
  return path;
}

/** Opens the database named by `url` (sqlite:PATH or postgres://…) and brings its schema up to date. */
export async function openDatabase(url: string): Promise<DatabaseHandle> {
  if (!url.startsWith('sqlite:')) {
    throw new FlockError('bad_request', `Unsupported database URL "${url.split(':')[0]}:…": use sqlite:PATH`);
  }
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers go on while a publish writes; busy_timeout lets the CLI
  // operator commands and a running server share the file.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new FlockError('internal', 'Database migration failed', { cause: error });
}

/** True when `error` is the database refusing a duplicate on a unique key. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}
