import type { Kysely, Migration } from 'kysely';
import { isSqlite } from '../dialect.js';
import { createPostgresSearchTable } from '../../services/search/search-postgres.js';
import { createSqliteSearchTable } from '../../services/search/search-sqlite.js';

/**
 * Consuming packages: an index for the public catalog and the table behind
 * search: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.
 */
export const consume: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('packages_visibility').on('packages').columns(['visibility', 'org_id']).execute();
    if (isSqlite(db)) await createSqliteSearchTable(db);
    else await createPostgresSearchTable(db);
  },
};
