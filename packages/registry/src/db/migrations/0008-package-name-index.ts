import type { Kysely, Migration } from 'kysely';

/**
 * An index on packages.name: search looks up an exact name match directly (it ranks first), rather
 * than among the text matches, whose reading is capped (see search/index.ts).
 */
export const packageNameIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('packages_name').on('packages').column('name').execute();
  },
};
