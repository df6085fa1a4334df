import type { Kysely, Migration } from 'kysely';

/**
 * Pending `flock login --web` sign-ins (RFC 8628's device authorization grant).
 * Both codes are stored as SHA-256 hashes: the device code is a bearer secret
 * until it is used up, and the user code, though short-lived, is one too.
 */
export const deviceCodes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('device_codes')
      .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
      // The machine's name, shown on the approval page; it becomes the token's name.
      .addColumn('name', 'text', (c) => c.notNull())
      // pending, approved, denied, used
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('interval_seconds', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .addColumn('scopes', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_polled_at', 'text')
      .execute();
    await db.schema.createIndex('device_codes_expires').on('device_codes').column('expires_at').execute();
  },
};
