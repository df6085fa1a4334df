import type { Kysely, Migration } from 'kysely';
import { isSqlite } from '../dialect.js';
import { createSqliteSearchTable } from '../../services/search/search-sqlite.js';

/**
 * Consuming packages: an index for the public catalog and, on SQLite, the FTS5
 * table behind search (PostgreSQL gets its own search index in its own module).
 */
export const consume: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('packages_visibility').on('packages').columns(['visibility', 'org_id']).execute();
    if (isSqlite(db)) await createSqliteSearchTable(db);
  },
};
