import type { Kysely, Migration } from 'kysely';

/**
 * Witness cosignatures of the transparency log's checkpoints (issue 15): one row per tree
 * size and witness key ("name+hash"), the newest cosignature of that checkpoint by that
 * witness. Only keys the operator lists in FLOCK_LOG_WITNESSES are ever stored.
 */
export const logWitnesses: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('log_cosignatures')
      .addColumn('tree_size', 'bigint', (col) => col.notNull())
      .addColumn('witness', 'text', (col) => col.notNull())
      // Seconds since the epoch, as the witness signed it.
      .addColumn('signed_at', 'bigint', (col) => col.notNull())
      // The note signature line, ending in a newline.
      .addColumn('line', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('log_cosignatures_pk', ['tree_size', 'witness'])
      .execute();
  },
};
