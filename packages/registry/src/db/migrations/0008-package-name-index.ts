import { sql, type Kysely, type Migration } from 'kysely';
import { isSqlite } from '../dialect.js';

/**
 * An index on packages.name: search looks up an exact name match directly (it ranks first), rather
 * than among the text matches, whose reading is capped (see search/index.ts).
 * PostgreSQL: the search index without its pending list ("fastupdate"), which every search would scan
 * until autovacuum merged it: a publish pays a little more so that search time does not depend on when
 * vacuum last ran.
 */
export const packageNameIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('packages_name').on('packages').column('name').execute();
    if (isSqlite(db)) return;
    await sql`ALTER INDEX package_search_document SET (fastupdate = off)`.execute(db);
    await sql`SELECT gin_clean_pending_list('package_search_document')`.execute(db);
  },
};
