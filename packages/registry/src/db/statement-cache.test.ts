import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { cachingStatements } from './statement-cache.js';

describe('SQLite statement cache', () => {
  it('prepares each query shape once, whatever its parameters, within its bound', async () => {
    const sqlite = new SQLite(':memory:');
    const prepare = vi.spyOn(sqlite, 'prepare');
    const cached = cachingStatements(sqlite, 2);
    const db = new Kysely<{ t: { id: number; name: string } }>({ dialect: new SqliteDialect({ database: cached }) });
    try {
      await db.schema.createTable('t').addColumn('id', 'integer').addColumn('name', 'text').execute();
      await db.insertInto('t').values([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]).execute();
      const preparedBefore = prepare.mock.calls.length;
      const byId = (id: number) => db.selectFrom('t').select('name').where('id', '=', id).executeTakeFirst();
      expect(await byId(1)).toEqual({ name: 'one' });
      expect(await byId(2)).toEqual({ name: 'two' });
      expect(await byId(1)).toEqual({ name: 'one' });
      expect(prepare.mock.calls.length - preparedBefore).toBe(1);
      // Three shapes and more through a cache of two: the oldest goes, and answers stay right.
      await db.selectFrom('t').select('id').where('name', '=', 'two').execute();
      await db.selectFrom('t').selectAll().execute();
      expect(cached.cachedStatements).toBe(2);
      expect(await byId(2)).toEqual({ name: 'two' });
    } finally {
      await db.destroy();
    }
  });
});
