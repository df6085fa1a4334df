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
  | 'publish.reject';

/** Someone who is not a signed-in user: a trusted publisher (actor id null, its id and description as the "token"). */
export interface AuditActor {
  id: null;
  name: string;
  tokenId: string | null;
  tokenName: string | null;
}

interface AuditEvent {
  action: AuditAction;
  orgId?: string | null;
  subject?: string | null;
}

/** Who did it: a principal, with the token it used (null for a browser session), or another actor. */
export type AuditInput = AuditEvent & ({ principal: Principal; actor?: never } | { actor: AuditActor; principal?: never });

function actorOf(input: AuditInput): AuditActor | { id: string; name: string; tokenId: string | null; tokenName: string | null } {
  if (input.actor) return input.actor;
  const { principal } = input;
  return { id: principal.userId, name: principal.username, tokenId: principal.token?.id ?? null, tokenName: principal.token?.name ?? null };
}

/** The audit log: who did what, when, from which token. Append-only. */
export function createAuditService({ db, clock }: { db: Db; clock: Clock }) {
  /** Appends one event; pass the caller's transaction so the event stands or falls with the change it records. */
  async function record(input: AuditInput, executor: Db = db): Promise<void> {
    const actor = actorOf(input);
    await executor
      .insertInto('audit_events')
      .values({
        id: randomUUID(),
        at: isoNow(clock),
        actor_id: actor.id,
        actor_name: actor.name,
        token_id: actor.tokenId,
        token_name: actor.tokenName,
        action: input.action,
        org_id: input.orgId ?? null,
        subject: input.subject ?? null,
      })
      .execute();
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
