import type { Kysely, Migration } from 'kysely';

/** An organization's own S3-compatible Catalog Store, and which store holds each version. */
export const orgStores: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('org_stores')
      .addColumn('org_id', 'text', (c) => c.primaryKey().references('orgs.id'))
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('region', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('access_key_id', 'text', (c) => c.notNull())
      // AES-256-GCM with the server's secret key (auth/secret-box.ts); never returned by any API.
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('checked_at', 'text', (c) => c.notNull())
      .execute();
    // null: the registry's own store; 'org': the org's store.
    await db.schema.alterTable('versions').addColumn('store', 'text').execute();
  },
};
