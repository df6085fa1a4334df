import { FlockError } from '@flock/core';
import type { Scope } from '../auth/principal.js';
import { parseScopes } from '../services/tokens.js';
import type { CreateTokenRequest } from '../services/token-admin.js';

const MAX_DAYS = 3650;

/** Scopes as a list (form checkboxes, JSON arrays) or comma-separated text. */
function parseScopeList(raw: unknown): Scope[] {
  return parseScopes(Array.isArray(raw) ? raw.map(String).join(',') : typeof raw === 'string' ? raw : '');
}

/** "2027-01-31" (valid through that day, UTC) or a full ISO timestamp. */
function parseExpiresAt(raw: string): Date {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T23:59:59.999Z` : raw;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(date.getTime())) {
    throw new FlockError('bad_request', `Invalid expiry "${raw}": use a date such as 2027-01-31`);
  }
  return date;
}

function parseDays(raw: unknown, now: Date): Date {
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new FlockError('bad_request', `Invalid expiresInDays "${String(raw)}": use 1 to ${MAX_DAYS}`);
  return new Date(now.getTime() + days * 86_400_000);
}

/** A new-token request from a form or JSON body, validated once here. */
export function parseTokenRequest(body: Record<string, unknown>, now: Date): CreateTokenRequest {
  const name = typeof body.name === 'string' ? body.name : '';
  const orgsRaw = body.orgs;
  const orgs = (Array.isArray(orgsRaw) ? orgsRaw : typeof orgsRaw === 'string' ? orgsRaw.split(',') : []).map((o) => String(o).trim()).filter((o) => o !== '');
  let expiresAt: Date | null = null;
  if (typeof body.expiresAt === 'string' && body.expiresAt !== '') expiresAt = parseExpiresAt(body.expiresAt);
  else if (body.expiresInDays !== undefined && body.expiresInDays !== null && body.expiresInDays !== '') expiresAt = parseDays(body.expiresInDays, now);
  return { name, scopes: parseScopeList(body.scopes), orgs, expiresAt };
}
