/** Tables of migration 0017 (webhooks and the org events feed); see services/webhooks.ts. */

/** One row (id 1): the last org event id. Raising it serializes event writers, so ids commit in order. */
export interface OrgEventsHeadTable {
  id: number;
  last_id: number;
}

export interface OrgEventsTable {
  id: number;
  org_id: string;
  type: string;
  at: string;
  /** The exact JSON delivered and listed. */
  body: string;
}

export interface WebhooksTable {
  id: string;
  org_id: string;
  url: string;
  /** JSON array of event types; null for every type. */
  types: string | null;
  active: number;
  secret_sealed: string;
  created_by: string;
  created_at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_id: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_http_status: number | null;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retry' | 'failed';
  http_status: number | null;
  error: string | null;
  duration_ms: number;
}
