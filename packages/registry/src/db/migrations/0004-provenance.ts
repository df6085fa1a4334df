import type { Kysely, Migration } from 'kysely';

/**
 * Where each version came from, as reported by `flock publish`: the git
 * remote (credentials stripped), the commit, whether the publish checks were
 * skipped (--allow-dirty), the package's folder in the repository and the
 * build command. All nullable: versions published before, or straight
 * through the API, have none.
 */
export const provenance: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('versions').addColumn('source_repository', 'text').execute();
    await db.schema.alterTable('versions').addColumn('source_commit', 'text').execute();
    await db.schema.alterTable('versions').addColumn('source_path', 'text').execute();
    await db.schema.alterTable('versions').addColumn('source_dirty', 'integer').execute();
    await db.schema.alterTable('versions').addColumn('build_command', 'text').execute();
  },
};
