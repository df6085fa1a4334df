import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from './connect.js';
import { compileOnce } from './compile-once.js';

describe('compileOnce', () => {
  it('compiles a query once and runs it with each call\'s values, in the places the SQL puts them', async () => {
    const db = new Kysely<{ t: { id: number; name: string; size: number } }>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    try {
      await db.schema.createTable('t').addColumn('id', 'integer').addColumn('name', 'text').addColumn('size', 'integer').execute();
      await db.insertInto('t').values([{ id: 1, name: 'one', size: 10 }, { id: 2, name: 'two', size: 20 }, { id: 3, name: 'two', size: 5 }]).execute();
      let builds = 0;
      // Names given in the opposite order to the SQL's parameters, and a constant parameter between them.
      const find = compileOnce(db as unknown as Db, ['min', 'name'], ({ min, name }) => {
        builds++;
        return db.selectFrom('t').select('id').where('name', '=', name).where('id', '<', 100).where('size', '>=', min as unknown as number);
      });
      expect(await find({ name: 'two', min: 10 })).toEqual([{ id: 2 }]);
      expect(await find({ name: 'two', min: 1 })).toEqual([{ id: 2 }, { id: 3 }]);
      expect(await find({ name: 'one', min: 1 })).toEqual([{ id: 1 }]);
      expect(builds).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});
