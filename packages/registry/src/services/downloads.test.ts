import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/connect.js';
import { createDownloadsService, dayOf } from './downloads.js';

// A real (in-memory) SQLite database; the end-to-end counts on both backends are in test/downloads*.test.ts.
describe('download tally', () => {
  let database: DatabaseHandle;
  let now = new Date('2026-11-30T23:59:59.000Z');
  const clock = () => now;

  beforeEach(async () => {
    database = await openDatabase('sqlite::memory:');
    const at = now.toISOString();
    const { db } = database;
    await db.insertInto('users').values({ id: 'u', username: 'u', username_key: 'u', github_id: null, password_hash: null, created_at: at }).execute();
    await db.insertInto('orgs').values({ id: 'o', name: 'u', name_key: 'u', kind: 'personal', created_at: at }).execute();
    await db.insertInto('packages').values({ id: 'p', org_id: 'o', name: 'p', name_key: 'p', visibility: 'public', description: null, created_at: at, updated_at: at, deprecation: null }).execute();
    for (const [id, version] of [['v1', '0.1.0'], ['v2', '0.2.0']]) {
      await db.insertInto('versions').values({
        id: id!, package_id: 'p', version: version!, checksum: 'sha256:x', size: 1, blob_key: id!, manifest: '', description: null, license: null,
        keywords: '[]', repository: null, dependencies: '{}', readme: null, publisher_id: 'u', token_id: null, published_at: at, yank_reason: null,
        docs_key: null, store: null, source_repository: null, source_commit: null, source_path: null, source_dirty: null, build_command: null,
      }).execute();
    }
  });

  afterEach(async () => {
    await database.close();
  });

  it('counts by UTC day, across midnight', async () => {
    const downloads = createDownloadsService({ db: database.db, clock, flushMs: 3_600_000 });
    downloads.record('p', 'v1');
    now = new Date('2026-12-01T00:00:01.000Z');
    downloads.record('p', 'v1');
    downloads.record('p', 'v2');
    await downloads.close();
    const rows = await database.db.selectFrom('version_downloads').selectAll().orderBy('day').orderBy('version_id').execute();
    expect(rows).toEqual([
      { version_id: 'v1', day: '2026-11-30', count: 1 },
      { version_id: 'v1', day: '2026-12-01', count: 1 },
      { version_id: 'v2', day: '2026-12-01', count: 1 },
    ]);
    const summary = await downloads.summary('p');
    expect(summary.total).toBe(3);
    expect(summary.daily.slice(-2)).toEqual([{ day: '2026-11-30', count: 1 }, { day: '2026-12-01', count: 2 }]);
    expect(summary.daily[0]!.day).toBe(dayOf(now, 89));
  });

  it('keeps the tally when a flush fails, and writes it all with the next one', async () => {
    const errors: unknown[] = [];
    const downloads = createDownloadsService({ db: database.db, clock, flushMs: 3_600_000, onFlushError: (e) => errors.push(e) });
    for (let i = 0; i < 5; i++) downloads.record('p', 'v1');
    await sql`CREATE TRIGGER refuse BEFORE INSERT ON package_downloads BEGIN SELECT RAISE(ABORT, 'refused'); END`.execute(database.db);
    await expect(downloads.flush()).rejects.toThrow('refused');
    // Nothing half-written: the version rows were in the same transaction.
    expect(await database.db.selectFrom('version_downloads').selectAll().execute()).toEqual([]);
    await sql`DROP TRIGGER refuse`.execute(database.db);
    downloads.record('p', 'v1');
    await downloads.flush();
    expect((await downloads.summary('p')).versions).toEqual({ '0.1.0': 6 });
    expect((await downloads.totals(['p'])).get('p')).toBe(6);
    await downloads.close();
  });
});
