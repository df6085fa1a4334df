import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import { FlockError } from '@flock/core';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import { migrationProvider } from '../db/migrations/index.js';
import type { Database } from '../db/schema.js';
import { redactUrl } from '../db/unavailable.js';
import { isoNow, type Clock } from './clock.js';
import type { OrgStoresService } from './org-stores.js';
import { eachLimited, referencedBlobs, type BlobReference } from './storage-check.js';

/**
 * `flock-registry backup DIR` and `restore DIR` (issue 16). A backup is a consistent
 * database snapshot plus manifest.json naming every blob it references; the blobs
 * themselves stay in their stores (content-addressed, never rewritten: the operator
 * copies the folder or bucket, after the snapshot). manifest.json is written last, so a
 * folder with one is a complete backup.
 */

const FORMAT = 1;
const DATABASE_FILE = { sqlite: 'flock.db', postgres: 'flock.dump' } as const;
type Backend = keyof typeof DATABASE_FILE;

const manifestSchema = z.object({
  format: z.literal(FORMAT),
  backend: z.enum(['sqlite', 'postgres']),
  createdAt: z.string(),
  migration: z.string(),
  migrations: z.array(z.string()).max(10_000),
  database: z.object({ file: z.enum([DATABASE_FILE.sqlite, DATABASE_FILE.postgres]), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  blobsIncluded: z.literal(false),
  blobs: z.array(z.object({ store: z.string(), key: z.string(), size: z.number().nullable(), sha256: z.string().nullable() })),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export const backendOf = (databaseUrl: string): Backend => (/^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgres' : 'sqlite');

function sqliteFile(databaseUrl: string): string {
  const path = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  if (path === '' || path === ':memory:') throw new FlockError('bad_request', 'An in-memory SQLite database cannot be backed up or restored: use sqlite:PATH');
  return resolve(path);
}

async function fileDigest(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
  }
  return { size, sha256: hash.digest('hex') };
}

/** The PostgreSQL client tools get the URL without its password, which goes in PGPASSWORD: never in a process listing. */
function pgConnection(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** Runs a PostgreSQL client tool; missing → one line saying so, failing → its first error line. */
function runTool(tool: 'pg_dump' | 'pg_restore', args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, ['--no-password', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT'
        ? new FlockError('unavailable', `${tool} is not installed (it comes with the PostgreSQL client tools, e.g. the postgresql-client package); it is needed for a PostgreSQL ${tool === 'pg_dump' ? 'backup' : 'restore'}`)
        : error);
    });
    child.on('close', (code) => {
      if (code === 0) return resolvePromise();
      const line = stderr.split('\n').find((l) => /error/i.test(l)) ?? stderr.split('\n')[0] ?? '';
      reject(new FlockError('internal', `${tool} failed (exit ${code}): ${redactUrl(line.trim())}`));
    });
  });
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

export interface BackupDeps {
  databaseUrl: string;
  /** The live database (PostgreSQL: the snapshot is taken in a transaction on it). */
  db: Db;
  registryStore: BlobStore;
  orgStores: Pick<OrgStoresService, 'placementFor'>;
  clock: Clock;
}

export interface BackupResult {
  manifest: BackupManifest;
  /** Docs blobs whose size could not be read (missing or unreadable): fsck says more. */
  warnings: string[];
}

async function requireEmptyFolder(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0) throw new FlockError('conflict', `The backup folder ${dir} is not empty: give a new or empty folder`);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    return true;
  }
}

/** SQLite's online backup API: a consistent copy while the server writes, then one plain file (no -wal beside it). */
async function snapshotSqlite(databaseUrl: string, target: string): Promise<{ refs: BlobReference[]; migrations: string[] }> {
  const path = sqliteFile(databaseUrl);
  let source: SQLite.Database;
  try {
    source = new SQLite(path, { fileMustExist: true });
  } catch (error) {
    throw new FlockError('not_found', `No SQLite database at ${path}: ${(error as Error).message}`);
  }
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(target);
  } finally {
    source.close();
  }
  const copy = new SQLite(target);
  copy.pragma('journal_mode = DELETE');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: copy }) });
  try {
    return { refs: await referencedBlobs(db), migrations: await appliedMigrations(db) };
  } finally {
    await db.destroy();
  }
}

/** pg_dump of a snapshot exported by a repeatable-read transaction, whose references the manifest lists: the two agree exactly. */
async function snapshotPostgres(databaseUrl: string, db: Db, target: string): Promise<{ refs: BlobReference[]; migrations: string[] }> {
  const { dbname, env } = pgConnection(databaseUrl);
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
    const dump = runTool('pg_dump', ['--format=custom', `--snapshot=${rows[0]!.id}`, `--file=${target}`, `--dbname=${dbname}`], env);
    // The dump must finish while this transaction (the snapshot's owner) is open, even if a query below fails.
    const [read, dumped] = await Promise.allSettled([Promise.all([referencedBlobs(trx), appliedMigrations(trx)]), dump]);
    if (read.status === 'rejected') throw read.reason;
    if (dumped.status === 'rejected') throw dumped.reason;
    const [refs, migrations] = read.value;
    return { refs, migrations };
  });
}

export async function backup(deps: BackupDeps, dir: string): Promise<BackupResult> {
  const folder = resolve(dir);
  const backend = backendOf(deps.databaseUrl);
  const created = await requireEmptyFolder(folder);
  const file = DATABASE_FILE[backend];
  try {
    const { refs, migrations } = backend === 'sqlite'
      ? await snapshotSqlite(deps.databaseUrl, join(folder, file))
      : await snapshotPostgres(deps.databaseUrl, deps.db, join(folder, file));
    const warnings: string[] = [];
    const blobs: BackupManifest['blobs'] = refs.map((ref) => ({ store: ref.store === 'org' ? `org:${ref.orgName}` : 'registry', key: ref.key, size: ref.size, sha256: ref.sha256 }));
    // Docs sizes are not in the database: asked of their store.
    await eachLimited(refs.map((ref, i) => ({ ref, i })).filter(({ ref }) => ref.size === null), 8, async ({ ref, i }) => {
      try {
        const store = ref.store === 'org' ? (await deps.orgStores.placementFor(ref.orgId, ref.orgName)).store : deps.registryStore;
        const head = await store.head(ref.key);
        if (head) blobs[i]!.size = head.size;
        else warnings.push(`${ref.kind} of ${ref.owner} (${ref.key}) is missing from its store`);
      } catch (error) {
        warnings.push(`${ref.kind} of ${ref.owner} (${ref.key}) could not be read: ${(error as Error).message}`);
      }
    });
    const manifest: BackupManifest = {
      format: FORMAT, backend, createdAt: isoNow(deps.clock), migration: migrations.at(-1) ?? '', migrations,
      database: { file, ...(await fileDigest(join(folder, file))) }, blobsIncluded: false, blobs,
    };
    const temp = join(folder, `.manifest-${randomUUID()}.json`);
    await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(temp, join(folder, 'manifest.json'));
    return { manifest, warnings };
  } catch (error) {
    // No half-written backup: the folder was empty (or new), so everything in it is ours.
    if (created) await rm(folder, { recursive: true, force: true });
    else for (const name of await readdir(folder).catch(() => [])) await rm(join(folder, name), { recursive: true, force: true });
    throw error;
  }
}

async function readManifest(folder: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(folder, 'manifest.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new FlockError('not_found', `${folder} has no manifest.json: not a complete flock-registry backup`);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FlockError('bad_request', `${join(folder, 'manifest.json')} is not JSON`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new FlockError('bad_request', `${join(folder, 'manifest.json')} is not a backup manifest this registry reads (${issue.path.join('.') || 'body'}: ${issue.message})`);
  }
  return result.data;
}

async function requireEmptySqlite(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const existing = new SQLite(path, { fileMustExist: true });
  try {
    const { count } = existing.prepare("select count(*) as count from sqlite_master where type = 'table'").get() as { count: number };
    if (count > 0) throw new FlockError('conflict', `The database ${path} is not empty: restore needs an empty database (move this one away first)`);
  } finally {
    existing.close();
  }
}

async function requireEmptyPostgres(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      `select count(*) as count from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
    );
    if (Number(rows[0]!.count) > 0) throw new FlockError('conflict', `The database ${redactUrl(databaseUrl)} is not empty: restore needs an empty database (create a new one)`);
  } finally {
    await client.end();
  }
}

/**
 * Restores the snapshot in `dir` into the configured database, which must be empty. All or
 * nothing: SQLite is copied to a temp file beside the target and renamed; PostgreSQL is
 * pg_restore'd in one transaction. The caller then runs fsck against the configured store.
 */
export async function restore(databaseUrl: string, dir: string): Promise<BackupManifest> {
  const folder = resolve(dir);
  const manifest = await readManifest(folder);
  const backend = backendOf(databaseUrl);
  if (manifest.backend !== backend) {
    throw new FlockError('bad_request', `This backup is of a ${manifest.backend} database; FLOCK_DATABASE_URL names a ${backend} one`);
  }
  const known = new Set(Object.keys(await migrationProvider.getMigrations()));
  const unknown = manifest.migrations.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new FlockError('bad_request', `This backup was made by a newer flock-registry (migration ${unknown[0]} is unknown here): restore it with that version`);
  const source = join(folder, manifest.database.file);
  const digest = await fileDigest(source).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new FlockError('not_found', `${source} is missing: the backup is incomplete`) : error;
  });
  if (digest.sha256 !== manifest.database.sha256 || digest.size !== manifest.database.size) {
    throw new FlockError('bad_request', `${source} does not match manifest.json (sha256 or size differs): the backup is damaged`);
  }
  if (backend === 'sqlite') {
    const target = sqliteFile(databaseUrl);
    await requireEmptySqlite(target);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.restore-${randomUUID()}`;
    try {
      await copyFile(source, temp);
      // The empty database's own journal files would be read as part of the restored one.
      await rm(`${target}-wal`, { force: true });
      await rm(`${target}-shm`, { force: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  } else {
    await requireEmptyPostgres(databaseUrl);
    const { dbname, env } = pgConnection(databaseUrl);
    // --no-owner: the restoring role owns everything, whatever role owned it before.
    await runTool('pg_restore', ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${dbname}`, source], env);
  }
  return manifest;
}
