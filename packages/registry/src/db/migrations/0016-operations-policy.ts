import type { Kysely, Migration } from 'kysely';

/**
 * Operations policy (issue 16): the registry-wide settings every replica reads
 * (the read-only switch), per-org quotas, and the byte counts quotas add up.
 *
 * registry_settings: key → JSON value, e.g. read_only → {"message":"…","since":"…"}; no row: off.
 * orgs.max_bytes / max_versions_per_day / max_packages: null is unlimited.
 * versions.docs_size: the stored docs' bytes (null for docs uploaded before this migration,
 * which count as 0: a migration cannot read the blob store).
 * held_versions.bytes: archive + docs bytes of a held (or rejected) publish, whose blobs are stored too.
 */
export const operationsPolicy: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('registry_settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('orgs').addColumn('max_bytes', 'bigint').execute();
    await db.schema.alterTable('orgs').addColumn('max_versions_per_day', 'integer').execute();
    await db.schema.alterTable('orgs').addColumn('max_packages', 'integer').execute();
    await db.schema.alterTable('versions').addColumn('docs_size', 'bigint').execute();
    await db.schema.alterTable('held_versions').addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    // Held publishes made before this migration: their archive's size, from the stored row.
    const held = await db.selectFrom('held_versions').select(['id', 'row']).execute();
    for (const { id, row } of held as Array<{ id: string; row: string }>) {
      const size = Number((JSON.parse(row) as { size?: unknown }).size);
      if (Number.isFinite(size) && size > 0) await db.updateTable('held_versions').set({ bytes: size }).where('id', '=', id).execute();
    }
    // The versions-per-day quota counts an org's recent publishes.
    await db.schema.createIndex('versions_published_at').on('versions').column('published_at').execute();
  },
};
