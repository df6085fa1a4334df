import type { Kysely, Migration } from 'kysely';

/**
 * The registry's own rebuild of each version (issue 15): the rebuild worker
 * claims a version by setting rebuild_status to 'running' with rebuild_claimed_at
 * (an atomic UPDATE, so several workers never take the same one), then records
 * the outcome. All null: not rebuilt yet.
 */
export const rebuilds: Migration = {
  async up(db: Kysely<any>) {
    // null, 'running', 'reproduced', 'compression-differs', 'differs', 'not-verifiable', 'failed'.
    await db.schema.alterTable('versions').addColumn('rebuild_status', 'text').execute();
    // JSON: the differing paths (at most 100) or a one-line reason, and how the build was isolated.
    await db.schema.alterTable('versions').addColumn('rebuild_detail', 'text').execute();
    await db.schema.alterTable('versions').addColumn('rebuild_at', 'text').execute();
    await db.schema.alterTable('versions').addColumn('rebuild_claimed_at', 'text').execute();
    // Workers look for unclaimed versions; most are done, so the index keeps that look cheap.
    await db.schema.createIndex('versions_rebuild_status').on('versions').columns(['rebuild_status', 'rebuild_claimed_at']).execute();
  },
};
