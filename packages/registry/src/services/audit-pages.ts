import { FlockError } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';

/** One audit event as the API shows it (GET /api/v1/me/audit, /api/v1/orgs/:org/audit). */
export interface AuditEventDto {
  id: string;
  at: string;
  action: string;
  /** Who: a username, or "trusted publisher". */
  actor: string | null;
  /** The token's name (or the trusted publisher's description); null for a browser session. */
  token: string | null;
  org: string | null;
  subject: string | null;
}

/** One row of `flock-registry audit export`: every column, ids included, and the org's name. */
export interface AuditExportRow {
  id: string;
  at: string;
  action: string;
  actorId: string | null;
  actor: string | null;
  tokenId: string | null;
  token: string | null;
  orgId: string | null;
  org: string | null;
  subject: string | null;
}

export const MAX_AUDIT_PAGE = 200;
export const DEFAULT_AUDIT_PAGE = 50;
const MAX_CURSOR_CHARS = 300;

/** Where a page ends: the (at, id) of its last event. Opaque to clients. */
export interface AuditCursor {
  at: string;
  id: string;
}

const encodeCursor = (c: AuditCursor): string => Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');

/** A client's cursor: exactly what encodeCursor makes, else one 400. */
export function parseAuditCursor(raw: string | undefined): AuditCursor | null {
  if (raw === undefined || raw === '') return null;
  const bad = () => new FlockError('bad_request', 'Invalid cursor: pass the "next" value of the previous page unchanged');
  if (raw.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 2) throw bad();
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(at) || !/^[\w-]{1,64}$/.test(id)) throw bad();
  return { at, id };
}

/** `?limit=`: 1 to MAX_AUDIT_PAGE, DEFAULT_AUDIT_PAGE when absent. */
export function parseAuditLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_AUDIT_PAGE;
  const limit = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_AUDIT_PAGE)) throw new FlockError('bad_request', `Invalid limit "${raw.slice(0, 20)}": expected 1 to ${MAX_AUDIT_PAGE}`);
  return limit;
}

type Filter = { actorId: string } | { orgId: string };

/**
 * The audit log page by page, for users (their own events), org owners (the org's) and
 * operators (everything, as NDJSON). Keyset pagination on (at, id): a page costs the same
 * however deep it is, and events appended meanwhile never shift or repeat what was seen.
 */
export function createAuditPagesService({ db, accounts, access }: { db: Db; accounts: AccountsService; access: AccessService }) {
  function select(filter: Filter | null) {
    let query = db.selectFrom('audit_events').leftJoin('orgs', 'orgs.id', 'audit_events.org_id').selectAll('audit_events').select('orgs.name as org_name');
    if (filter && 'actorId' in filter) query = query.where('audit_events.actor_id', '=', filter.actorId);
    if (filter && 'orgId' in filter) query = query.where('audit_events.org_id', '=', filter.orgId);
    return query;
  }

  /** Newest first, `limit` at a time. */
  async function page(filter: Filter, limit: number, cursor: AuditCursor | null): Promise<{ events: AuditEventDto[]; next: string | null }> {
    let query = select(filter);
    if (cursor) {
      query = query.where((eb) => eb.or([eb('audit_events.at', '<', cursor.at), eb.and([eb('audit_events.at', '=', cursor.at), eb('audit_events.id', '<', cursor.id)])]));
    }
    const rows = await query.orderBy('audit_events.at', 'desc').orderBy('audit_events.id', 'desc').limit(limit + 1).execute();
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      events: shown.map((r) => ({ id: r.id, at: r.at, action: r.action, actor: r.actor_name, token: r.token_name, org: r.org_name, subject: r.subject })),
      next: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * The caller's own events. Account-wide, so like the account's tokens: a browser session,
   * or a token with the manage scope and no org restriction.
   */
  async function forMe(principal: Principal, limit: number, cursor: AuditCursor | null) {
    access.requireAccountAdmin(principal);
    return page({ actorId: principal.userId }, limit, cursor);
  }

  /** An org's events, for its owners (a session, or a manage token allowed on the org), as on the org page. */
  async function forOrg(principal: Principal, orgName: string, limit: number, cursor: AuditCursor | null) {
    // An unknown org is 404, a non-owner 403: as the other org routes answer.
    const org = await access.requireRole(principal, await accounts.requireOrg(orgName), 'owner', 'manage');
    return page({ orgId: org.id }, limit, cursor);
  }

  /**
   * Every event (of one org, between two times: since inclusive, until exclusive), oldest
   * first, read `pageSize` rows at a time so memory stays bounded however long the log is.
   */
  async function* exportAll(options: { orgId?: string; since?: string; until?: string; pageSize?: number } = {}): AsyncGenerator<AuditExportRow> {
    let cursor: AuditCursor | null = null;
    const pageSize = options.pageSize ?? 500;
    for (;;) {
      let query = select(options.orgId === undefined ? null : { orgId: options.orgId });
      if (options.since !== undefined) query = query.where('audit_events.at', '>=', options.since);
      if (options.until !== undefined) query = query.where('audit_events.at', '<', options.until);
      const after: AuditCursor | null = cursor;
      if (after) query = query.where((eb) => eb.or([eb('audit_events.at', '>', after.at), eb.and([eb('audit_events.at', '=', after.at), eb('audit_events.id', '>', after.id)])]));
      const rows = await query.orderBy('audit_events.at', 'asc').orderBy('audit_events.id', 'asc').limit(pageSize).execute();
      for (const r of rows) {
        yield { id: r.id, at: r.at, action: r.action, actorId: r.actor_id, actor: r.actor_name, tokenId: r.token_id, token: r.token_name, orgId: r.org_id, org: r.org_name, subject: r.subject };
      }
      if (rows.length < pageSize) return;
      cursor = rows[rows.length - 1]!;
    }
  }

  return { forMe, forOrg, exportAll };
}

export type AuditPagesService = ReturnType<typeof createAuditPagesService>;
