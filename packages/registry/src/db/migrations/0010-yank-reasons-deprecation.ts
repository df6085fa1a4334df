import type { Kysely, Migration } from 'kysely';

/**
 * Why a version was yanked (versions.yank_reason) and a package's deprecation
 * message (packages.deprecation). Both nullable: null means none given / not
 * deprecated. Both are shown to everyone who installs, so they are short,
 * one-line text (checked by parseNote before they are stored).
 */
export const yankReasonsDeprecation: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('versions').addColumn('yank_reason', 'text').execute();
    await db.schema.alterTable('packages').addColumn('deprecation', 'text').execute();
  },
};
