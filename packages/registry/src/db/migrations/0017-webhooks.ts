import type { Kysely, Migration } from 'kysely';

/**
 * Org webhooks and the org events feed (issue 16, part 5); see services/webhooks.ts.
 *
 * org_events: one row per webhook-worthy change, written in the change's own transaction.
 * Its id comes from org_events_head's one row, raised in that transaction: the row lock
 * makes ids commit in order on PostgreSQL too, so a feed reader paging with ?after= never
 * skips an event that commits later with a smaller id.
 *
 * webhook_deliveries is the outbox: one row per (webhook, event) to send, claimed by a
 * worker through claimed_until (an atomic UPDATE), retried until next_attempt_at runs
 * out; webhook_attempts is the delivery log, one row per attempt.
 */
export const webhooks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('org_events_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('last_id', 'integer', (c) => c.notNull())
      .execute();
    await db.insertInto('org_events_head').values({ id: 1, last_id: 0 }).execute();
    await db.schema
      .createTable('org_events')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      // The exact JSON sent to webhooks and returned by the feed (signatures cover these bytes).
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('org_events_org').on('org_events').columns(['org_id', 'id']).execute();
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      // JSON array of event types; null: every type.
      .addColumn('types', 'text')
      .addColumn('active', 'integer', (c) => c.notNull())
      // AES-256-GCM with the server's secret key (auth/secret-box.ts), the webhook id bound; shown once.
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhooks_org').on('webhooks').column('org_id').execute();
    await db.schema
      .createTable('webhook_deliveries')
      // Sent as Flock-Delivery, the same on every retry.
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
      .addColumn('event_id', 'integer', (c) => c.notNull().references('org_events.id'))
      // 'pending', 'delivered', 'failed'.
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('claimed_until', 'text')
      .addColumn('last_http_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('done_at', 'text')
      .execute();
    // Workers look for due pending rows; the org page for a webhook's newest.
    await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'created_at']).execute();
    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      // 'delivered', 'retry', 'failed'.
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();
  },
};
