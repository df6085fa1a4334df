import type { Kysely, Migration } from 'kysely';

/**
 * A pull-through mirror of another Flock registry (FLOCK_UPSTREAM, services/mirror.ts): what it
 * cached of the upstream's index and archives lives in the database, so every replica shares it
 * and it survives restarts and an upstream outage.
 */
export const mirror: Migration = {
  async up(db: Kysely<any>) {
    // One upstream package's sparse index answer, as the upstream sent it, with its ETag.
    await db.schema
      .createTable('mirror_index')
      .addColumn('org', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('etag', 'text')
      // 1: read with the org's upstream token and marked private by the upstream.
      .addColumn('private', 'integer', (c) => c.notNull())
      .addColumn('checked_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('mirror_index_pk', ['org', 'name'])
      .execute();
    // One archive fetched from the upstream, checked, and kept in this registry's store.
    await db.schema
      .createTable('mirror_archives')
      .addColumn('org', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addColumn('blob_key', 'text', (c) => c.notNull())
      // The upstream log record it was checked against; null: published before the upstream's log, or it has none.
      .addColumn('log_index', 'integer')
      // Its record in this registry's own log (appended when it was stored), which clients check.
      .addColumn('local_log_index', 'bigint', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('mirror_archives_pk', ['org', 'name', 'version'])
      .execute();
    // An org's read token for the upstream, sealed (auth/secret-box.ts): it must be sent again, so it cannot be hashed.
    await db.schema
      .createTable('mirror_tokens')
      .addColumn('org', 'text', (c) => c.primaryKey())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // The upstream log's pinned key ('log_key') and last verified checkpoint ('log_checkpoint').
    await db.schema
      .createTable('mirror_state')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};
