import type { Kysely, Migration } from 'kysely';

/**
 * Trusted publishing (issue 14): who may publish without a long-lived token,
 * the short-lived tokens they get, the ID tokens already used (replay), and
 * what the registry records about each publish (which trusted publisher, which
 * verified claims, what was unusual). Also the settings that restrict
 * publishing and the publishes held for an owner's approval.
 */
export const trustedPublishing: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('trusted_publishers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      // Null: any package of the org. A name with no package yet is a pending publisher: it may create it.
      .addColumn('package_name', 'text')
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('audience', 'text', (c) => c.notNull())
      // JSON object claim name -> exact value, keys sorted.
      .addColumn('claims', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      // Kept after removal so versions it published still name it.
      .addColumn('removed_at', 'text')
      .execute();
    await db.schema.createIndex('trusted_publishers_org').on('trusted_publishers').columns(['org_id', 'issuer']).execute();

    await db.schema
      .createTable('oidc_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // SHA-256 hex of the short-lived secret; never stored raw.
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('publisher_id', 'text', (c) => c.notNull().references('trusted_publishers.id'))
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('package_name', 'text', (c) => c.notNull())
      // JSON object of the verified claims the publish records.
      .addColumn('claims', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      // The one version this token published (then it may upload only that version's docs).
      .addColumn('used_version', 'text')
      .execute();
    await db.schema.createIndex('oidc_tokens_publisher').on('oidc_tokens').columns(['publisher_id', 'expires_at']).execute();

    await db.schema
      .createTable('oidc_jtis')
      // SHA-256 hex of "issuer\njti": an ID token is exchanged once.
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oidc_jtis_expires').on('oidc_jtis').column('expires_at').execute();

    await db.schema.alterTable('versions').addColumn('trusted_publisher_id', 'text').execute();
    await db.schema.alterTable('versions').addColumn('oidc_claims', 'text').execute();
    // JSON array of unusual-publish flags; null when none.
    await db.schema.alterTable('versions').addColumn('flags', 'text').execute();
    // The client's answer: 1 descends from the previous version's commit, 0 does not, null unknown.
    await db.schema.alterTable('versions').addColumn('source_descends', 'integer').execute();

    await db.schema.alterTable('packages').addColumn('trusted_publishing_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('orgs').addColumn('trusted_publishing_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('orgs').addColumn('hold_unusual', 'integer', (c) => c.notNull().defaultTo(0)).execute();

    await db.schema
      .createTable('held_versions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('package_id', 'text', (c) => c.notNull().references('packages.id'))
      .addColumn('version', 'text', (c) => c.notNull())
      // The versions row as it will be inserted on approval (JSON).
      .addColumn('row', 'text', (c) => c.notNull())
      .addColumn('flags', 'text', (c) => c.notNull())
      .addColumn('held_at', 'text', (c) => c.notNull())
      // Rejected versions stay here: their number is taken for good, like a yanked one.
      .addColumn('rejected_at', 'text')
      .addColumn('decided_by', 'text')
      .addUniqueConstraint('held_versions_package_version', ['package_id', 'version'])
      .execute();
  },
};
