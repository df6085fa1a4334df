import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { AuditEventRow } from '../db/schema.js';
import { isoNow, type Clock } from './clock.js';

export type AuditAction =
  | 'sign_in'
  | 'sign_up'
  | 'sign_out_elsewhere'
  | 'token.create'
  | 'token.rotate'
  | 'token.revoke'
  | 'device.approve'
  | 'device.deny'
  | 'org.create'
  | 'member.add'
  | 'member.role'
  | 'member.remove'
  | 'member.leave'
  | 'publish'
  | 'yank'
  | 'unyank'
  | 'deprecate'
  | 'undeprecate'
  | 'visibility'
  | 'trust.add'
  | 'trust.remove'
  | 'settings'
  | 'publish.held'
  | 'publish.approve'
  | 'publish.reject'
  | 'store.set'
  | 'store.remove';

/** Someone who is not a signed-in user: a trusted publisher (actor id null, its id and description as the "token"). */
export interface AuditActor {
  id: null;
  name: string;
  tokenId: string | null;
  tokenName: string | null;
}

/** What a webhook and the events feed say about a change besides its type, org, actor and time (never a secret). */
export type EventDetails = Record<string, string | string[] | boolean | null>;

interface AuditEvent {
  action: AuditAction;
  orgId?: string | null;
  subject?: string | null;
  /** For actions that are org events (services/webhooks.ts): their details, e.g. { package, version }. */
  details?: EventDetails;
  /** The orgs that hear of the event when it is not orgId's alone (a token's: see token-admin.ts). */
  eventOrgIds?: string[];
}

/** An appended audit event, as told to onRecorded. */
export interface RecordedAudit {
  action: AuditAction;
  at: string;
  orgId: string | null;
  details: EventDetails;
  eventOrgIds: string[] | null;
  actor: { name: string; token: string | null };
  /** The acting user's id; null for a trusted publisher. */
  userId: string | null;
}

/** Who did it: a principal, with the token it used (null for a browser session), or another actor. */
export type AuditInput = AuditEvent & ({ principal: Principal; actor?: never } | { actor: AuditActor; principal?: never });

function actorOf(input: AuditInput): AuditActor | { id: string; name: string; tokenId: string | null; tokenName: string | null } {
  if (input.actor) return input.actor;
  const { principal } = input;
  return { id: principal.userId, name: principal.username, tokenId: principal.token?.id ?? null, tokenName: principal.token?.name ?? null };
}

/** The audit log: who did what, when, from which token. Append-only. */
export function createAuditService({ db, clock, onRecorded }: {
  db: Db;
  clock: Clock;
  /** Told of every event inside the same executor (the webhooks' outbox is written here), so it commits with the change. */
  onRecorded?: (event: RecordedAudit, executor: Db) => Promise<void>;
}) {
  /** Appends one event; pass the caller's transaction so the event stands or falls with the change it records. */
  async function record(input: AuditInput, executor: Db = db): Promise<void> {
    const actor = actorOf(input);
    const at = isoNow(clock);
    await executor
      .insertInto('audit_events')
      .values({
        id: randomUUID(),
        at,
        actor_id: actor.id,
        actor_name: actor.name,
        token_id: actor.tokenId,
        token_name: actor.tokenName,
        action: input.action,
        org_id: input.orgId ?? null,
        subject: input.subject ?? null,
      })
      .execute();
    await onRecorded?.(
      { action: input.action, at, orgId: input.orgId ?? null, details: input.details ?? {}, eventOrgIds: input.eventOrgIds ?? null, actor: { name: actor.name, token: actor.tokenName }, userId: actor.id },
      executor,
    );
  }

  async function forUser(userId: string, limit = 50): Promise<AuditEventRow[]> {
    return db.selectFrom('audit_events').selectAll().where('actor_id', '=', userId).orderBy('at', 'desc').orderBy('id').limit(limit).execute();
  }

  async function forOrg(orgId: string, limit = 50): Promise<AuditEventRow[]> {
    return db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).orderBy('at', 'desc').orderBy('id').limit(limit).execute();
  }

  return { record, forUser, forOrg };
}

export type AuditService = ReturnType<typeof createAuditService>;
