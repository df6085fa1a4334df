import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { FlockError, type OrgName } from '@flock/core';
import { seal } from '../auth/secret-box.js';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { OrgRow } from '../db/schema.js';
import type { DeliveryStatus } from '../db/webhooks-schema.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditAction, RecordedAudit } from './audit.js';
import { isoNow, type Clock } from './clock.js';
import { parseWebhookUrl } from './webhook-send.js';

/** The events webhooks and the feed carry: the audited changes an org's tools act on. */
export const EVENT_TYPES = [
  'publish', 'yank', 'unyank', 'visibility',
  'member.add', 'member.role', 'member.remove', 'member.leave',
  'token.create', 'token.rotate', 'token.revoke',
  'store.set', 'store.remove',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Audit actions that are events. An approved held publish is a publish (the version
 * appears then); a held one is not yet. Deprecations, trust and settings changes are
 * audited only.
 */
const EVENT_OF: Partial<Record<AuditAction, EventType>> = {
  publish: 'publish', 'publish.approve': 'publish', yank: 'yank', unyank: 'unyank', visibility: 'visibility',
  'member.add': 'member.add', 'member.role': 'member.role', 'member.remove': 'member.remove', 'member.leave': 'member.leave',
  'token.create': 'token.create', 'token.rotate': 'token.rotate', 'token.revoke': 'token.revoke',
  'store.set': 'store.set', 'store.remove': 'store.remove',
};

export const MAX_WEBHOOKS_PER_ORG = 20;
export const MAX_FEED_PAGE = 200;
/** Deliveries shown per webhook on the org page and in the API. */
const RECENT_DELIVERIES = 10;

export interface WebhookInput {
  url: string;
  /** null: every type, including types added later. */
  events: EventType[] | null;
  active: boolean;
}

export interface WebhookDto {
  id: string;
  url: string;
  events: EventType[] | null;
  active: boolean;
  createdAt: string;
}

export interface DeliveryDto {
  id: string;
  event: { id: number; type: string };
  status: DeliveryStatus;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  createdAt: string;
  doneAt: string | null;
}

/** One event as the feed lists it and a webhook receives it. */
export interface OrgEvent {
  id: number;
  type: EventType;
  org: string;
  at: string;
  actor: { name: string; token: string | null };
  data: Record<string, unknown>;
}

function bad(message: string): FlockError {
  return new FlockError('bad_request', message);
}

function parseEvents(value: unknown): EventType[] | null {
  if (value === undefined || value === null) return null;
  const list = typeof value === 'string' ? value.split(',').map((t) => t.trim()).filter((t) => t !== '') : value;
  if (!Array.isArray(list)) throw bad('events must be a list of event types');
  if (list.length === 0) return null;
  if (list.length > EVENT_TYPES.length) throw bad(`events names ${list.length} types; there are ${EVENT_TYPES.length}`);
  const unknown = list.find((t) => !(EVENT_TYPES as readonly unknown[]).includes(t));
  if (unknown !== undefined) throw bad(`Unknown event type ${JSON.stringify(unknown)}: use ${EVENT_TYPES.join(', ')}`);
  return [...new Set(list as EventType[])];
}

/** A webhook from the API's JSON or the page's form, checked once. */
export function parseWebhookInput(value: Record<string, unknown>): WebhookInput {
  const extra = Object.keys(value).find((k) => !['url', 'events', 'active'].includes(k));
  if (extra !== undefined) throw bad(`Unknown field ${JSON.stringify(extra)}: a webhook has url, events and active`);
  if (value.active !== undefined && typeof value.active !== 'boolean') throw bad('active must be true or false');
  return { url: parseWebhookUrl(value.url), events: parseEvents(value.events), active: value.active !== false };
}

/** The feed's query: after an event id (0: from the start), at most MAX_FEED_PAGE events. */
export function parseFeedQuery(after: string | undefined, limit: string | undefined): { after: number; limit: number } {
  const whole = (raw: string | undefined, name: string, fallback: number, max: number) => {
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,15}$/.test(raw) || Number(raw) > max) throw bad(`${name} must be a whole number from 0 to ${max}`);
    return Number(raw);
  };
  // Event ids are 32-bit integer columns: a larger `after` would be a database error on PostgreSQL.
  const parsed = { after: whole(after, 'after', 0, 2_147_483_647), limit: whole(limit, 'limit', 100, MAX_FEED_PAGE) };
  if (parsed.limit === 0) throw bad(`limit must be from 1 to ${MAX_FEED_PAGE}`);
  return parsed;
}

export interface WebhooksDeps {
  db: Db;
  clock: Clock;
  secretKey: Buffer;
  accounts: AccountsService;
  access: AccessService;
}

/**
 * Webhooks per org and the org events feed. Events are written by `recordEvent`, which the
 * audit log calls inside the transaction of every audited change: the event and one outbox
 * row per subscribed webhook commit with the change or not at all. webhook-worker.ts sends.
 */
export function createWebhooksService({ db, clock, secretKey, accounts, access }: WebhooksDeps) {
  const requireOwner = async (principal: Principal, orgName: OrgName) => access.requireRole(principal, await accounts.findOrg(orgName), 'owner', 'manage');

  function toDto(row: { id: string; url: string; types: string | null; active: number; created_at: string }): WebhookDto {
    return { id: row.id, url: row.url, events: row.types === null ? null : (JSON.parse(row.types) as EventType[]), active: row.active === 1, createdAt: row.created_at };
  }

  /**
   * The orgs an event goes to: its org; for a token event the orgs the token is restricted to
   * that the user is still a member of (one left since hears nothing), else the user's personal org.
   */
  async function targetOrgs(event: RecordedAudit, trx: Db, type: EventType): Promise<Array<{ id: string; name: string }>> {
    if (!type.startsWith('token.')) return event.orgId ? trx.selectFrom('orgs').select(['id', 'name']).where('id', '=', event.orgId).execute() : [];
    if (event.userId === null) return [];
    let query = trx.selectFrom('orgs').innerJoin('memberships', 'memberships.org_id', 'orgs.id').select(['orgs.id', 'orgs.name']).where('memberships.user_id', '=', event.userId);
    query = event.eventOrgIds !== null && event.eventOrgIds.length > 0
      ? query.where('orgs.id', 'in', event.eventOrgIds)
      : query.where('orgs.kind', '=', 'personal').where('orgs.name', '=', event.actor.name);
    return query.orderBy('orgs.name').execute();
  }

  /** Called by the audit log with the change's own transaction (see services/index.ts). */
  async function recordEvent(event: RecordedAudit, trx: Db): Promise<void> {
    const type = EVENT_OF[event.action];
    if (type === undefined) return;
    for (const org of await targetOrgs(event, trx, type)) {
      // The head row's lock is held to commit: ids become visible in order (see migration 0017).
      const head = await trx.updateTable('org_events_head').set({ last_id: sql<number>`last_id + 1` }).where('id', '=', 1).returning('last_id').executeTakeFirstOrThrow();
      const id = Number(head.last_id);
      const body: OrgEvent = { id, type, org: org.name, at: event.at, actor: event.actor, data: event.details };
      await trx.insertInto('org_events').values({ id, org_id: org.id, type, at: event.at, body: JSON.stringify(body) }).execute();
      const hooks = await trx.selectFrom('webhooks').select(['id', 'types']).where('org_id', '=', org.id).where('active', '=', 1).execute();
      const subscribed = hooks.filter((h) => h.types === null || (JSON.parse(h.types) as string[]).includes(type));
      if (subscribed.length === 0) continue;
      await trx.insertInto('webhook_deliveries').values(subscribed.map((h) => ({
        id: randomUUID(), webhook_id: h.id, event_id: id, status: 'pending' as const, attempts: 0, next_attempt_at: event.at,
        claimed_until: null, last_http_status: null, last_error: null, created_at: event.at, done_at: null,
      }))).execute();
    }
  }

  /** Adds a webhook; the answer carries its signing secret, which is never shown again. */
  async function add(principal: Principal, orgName: OrgName, input: WebhookInput): Promise<WebhookDto & { secret: string }> {
    const org = await requireOwner(principal, orgName);
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const row = {
      id, org_id: org.id, url: input.url, types: input.events === null ? null : JSON.stringify(input.events), active: input.active ? 1 : 0,
      secret_sealed: seal(secretKey, secret, id), created_by: principal.userId, created_at: isoNow(clock),
    };
    await db.transaction().execute(async (trx) => {
      // Counted in the transaction that inserts: two adds at once cannot both take the last place.
      const { n } = await trx.selectFrom('webhooks').select((eb) => eb.fn.countAll<string | number>().as('n')).where('org_id', '=', org.id).executeTakeFirstOrThrow();
      if (Number(n) >= MAX_WEBHOOKS_PER_ORG) throw new FlockError('conflict', `${org.name} has ${MAX_WEBHOOKS_PER_ORG} webhooks, the most an org may have; remove one first`);
      await trx.insertInto('webhooks').values(row).execute();
    });
    return { ...toDto(row), secret };
  }

  async function list(principal: Principal, orgName: OrgName): Promise<WebhookDto[]> {
    const org = await requireOwner(principal, orgName);
    return listFor(org);
  }

  async function listFor(org: OrgRow): Promise<WebhookDto[]> {
    const rows = await db.selectFrom('webhooks').selectAll().where('org_id', '=', org.id).orderBy('created_at').orderBy('id').execute();
    return rows.map(toDto);
  }

  async function webhookOf(org: OrgRow, id: string) {
    const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).where('org_id', '=', org.id).executeTakeFirst();
    if (!row) throw new FlockError('not_found', `No webhook ${id} in ${org.name}`);
    return row;
  }

  /** Removes a webhook with its outbox rows and delivery log: nothing more is sent to it. */
  async function remove(principal: Principal, orgName: OrgName, id: string): Promise<void> {
    const org = await requireOwner(principal, orgName);
    const hook = await webhookOf(org, id);
    await db.transaction().execute(async (trx) => {
      const deliveries = trx.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hook.id);
      await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', hook.id).execute();
      await trx.deleteFrom('webhooks').where('id', '=', hook.id).execute();
    });
  }

  /** A webhook's newest deliveries, newest first. */
  async function deliveriesOf(webhookId: string, limit = RECENT_DELIVERIES): Promise<DeliveryDto[]> {
    const rows = await db
      .selectFrom('webhook_deliveries')
      .innerJoin('org_events', 'org_events.id', 'webhook_deliveries.event_id')
      .select(['webhook_deliveries.id', 'webhook_deliveries.status', 'webhook_deliveries.attempts', 'webhook_deliveries.last_http_status', 'webhook_deliveries.last_error'])
      .select(['webhook_deliveries.created_at', 'webhook_deliveries.done_at', 'org_events.id as event_id', 'org_events.type'])
      .where('webhook_deliveries.webhook_id', '=', webhookId)
      .orderBy('webhook_deliveries.created_at', 'desc')
      .orderBy('org_events.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id, event: { id: Number(r.event_id), type: r.type }, status: r.status, attempts: Number(r.attempts),
      lastHttpStatus: r.last_http_status === null ? null : Number(r.last_http_status), lastError: r.last_error, createdAt: r.created_at, doneAt: r.done_at,
    }));
  }

  async function deliveries(principal: Principal, orgName: OrgName, webhookId: string): Promise<DeliveryDto[]> {
    const org = await requireOwner(principal, orgName);
    return deliveriesOf((await webhookOf(org, webhookId)).id);
  }

  /** Every webhook of the org with its newest deliveries, for the org page (its owners). */
  async function overview(principal: Principal, orgName: OrgName): Promise<Array<WebhookDto & { deliveries: DeliveryDto[] }>> {
    const org = await requireOwner(principal, orgName);
    const hooks = await listFor(org);
    return Promise.all(hooks.map(async (h) => ({ ...h, deliveries: await deliveriesOf(h.id) })));
  }

  /**
   * Queues a delivery's event to its webhook again, as a new delivery (a new Flock-Delivery id:
   * a receiver that dedupes by it takes it; the event id in the body stays the same).
   */
  async function redeliver(principal: Principal, orgName: OrgName, deliveryId: string): Promise<DeliveryDto> {
    const org = await requireOwner(principal, orgName);
    const original = await db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
      .select(['webhook_deliveries.webhook_id', 'webhook_deliveries.event_id'])
      .where('webhook_deliveries.id', '=', deliveryId)
      .where('webhooks.org_id', '=', org.id)
      .executeTakeFirst();
    if (!original) throw new FlockError('not_found', `No delivery ${deliveryId} in ${org.name}`);
    const now = isoNow(clock);
    const id = randomUUID();
    await db.insertInto('webhook_deliveries').values({
      id, webhook_id: original.webhook_id, event_id: original.event_id, status: 'pending', attempts: 0, next_attempt_at: now,
      claimed_until: null, last_http_status: null, last_error: null, created_at: now, done_at: null,
    }).execute();
    return (await deliveriesOf(original.webhook_id, 50)).find((d) => d.id === id)!;
  }

  /** The pull feed: the org's events after `after`, oldest first; members, with a read-scoped token. */
  async function feed(principal: Principal, orgName: OrgName, query: { after: number; limit: number }): Promise<{ events: OrgEvent[]; next: number }> {
    const org = await access.requireRole(principal, await accounts.findOrg(orgName), 'member', 'read');
    const rows = await db.selectFrom('org_events').select(['id', 'body']).where('org_id', '=', org.id).where('id', '>', query.after).orderBy('id').limit(query.limit).execute();
    const events = rows.map((r) => JSON.parse(r.body) as OrgEvent);
    return { events, next: events.length > 0 ? events[events.length - 1]!.id : query.after };
  }

  return { recordEvent, add, list, remove, deliveries, overview, redeliver, feed };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
