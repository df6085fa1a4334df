import type { Kysely, Migration } from 'kysely';

/**
 * Browser sessions, one-time OAuth states and the audit log. All three live in
 * the database, not in memory, so any replica can check a session, finish a
 * sign-in another replica began, and show what happened.
 */
export const accounts: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sessions')
      // SHA-256 of the cookie's secret: a leaked database does not hand out sessions.
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
    await db.schema
      .createTable('oauth_states')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      // SHA-256 of the browser-binding cookie set when the sign-in began.
      .addColumn('binding_hash', 'text', (c) => c.notNull())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('next', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('token_id', 'text')
      .addColumn('token_name', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('org_id', 'text')
      .addColumn('subject', 'text')
      .execute();
    await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_id', 'at']).execute();
    await db.schema.createIndex('audit_events_org').on('audit_events').columns(['org_id', 'at']).execute();
  },
};
