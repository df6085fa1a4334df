import type { Kysely, Migration } from 'kysely';

/**
 * The transparency log (issue 15): every publish, docs upload, yank and visibility change
 * appends one record to an append-only Merkle tree. The records, the tree's stored hashes
 * (Go sumdb layout, see core's tlog/storage.ts) and the head whose row serializes appends.
 */
export const transparencyLog: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('log_records')
      .addColumn('idx', 'integer', (c) => c.primaryKey())
      // The leaf's exact bytes as UTF-8 text (a private record's as logged: with its hidden line).
      .addColumn('data', 'text', (c) => c.notNull())
      // Private records only: the 32-byte salt (hex) and the clear text it hides, for members.
      .addColumn('salt', 'text')
      .addColumn('clear', 'text')
      .addColumn('package_id', 'text', (c) => c.notNull())
      .addColumn('version', 'text')
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('log_records_package_version').on('log_records').columns(['package_id', 'version']).execute();
    await db.schema
      .createTable('log_hashes')
      .addColumn('idx', 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('log_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('size', 'integer', (c) => c.notNull())
      .execute();
    await db.insertInto('log_head').values({ id: 1, size: 0 }).execute();
    // The index of the version's publish record; null for versions published before the log.
    await db.schema.alterTable('versions').addColumn('log_index', 'integer').execute();
  },
};
