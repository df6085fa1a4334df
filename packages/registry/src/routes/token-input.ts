import { FlockError, parseOrgName } from '@flock/core';
import type { Scope } from '../auth/principal.js';
import { parseScopes } from '../services/tokens.js';
import type { CreateTokenRequest } from '../services/token-admin.js';

const MAX_DAYS = 3650;

/** Scopes as a list (form checkboxes, JSON arrays) or comma-separated text. */
function parseScopeList(raw: unknown): Scope[] {
  return parseScopes(Array.isArray(raw) ? raw.map(String).join(',') : typeof raw === 'string' ? raw : '');
}

/** Org names as a list (JSON arrays, repeated form fields) or comma-separated text, each a valid org name. */
function parseOrgList(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  const items: unknown[] | null = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
  if (items === null || !items.every((o): o is string => typeof o === 'string')) {
    throw new FlockError('bad_request', 'Invalid orgs: use a list of organization names');
  }
  return items.map((o) => o.trim()).filter((o) => o !== '').map(parseOrgName);
}

/** "2027-01-31" (valid through that day, UTC) or a full ISO timestamp, on a real day at most MAX_DAYS ahead. */
function parseExpiresAt(raw: string, now: Date): Date {
  const invalid = (why: string) => new FlockError('bad_request', `Invalid expiry "${raw}": ${why}`);
  const day = /^\d{4}-\d{2}-\d{2}/.exec(raw)?.[0];
  const date = new Date(day === raw ? `${raw}T23:59:59.999Z` : raw);
  if (day === undefined || Number.isNaN(date.getTime())) throw invalid('use a date such as 2027-01-31');
  // Date rolls 2027-02-30 over into March: a day that does not exist is a typo, not a wish for another day.
  const calendar = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(calendar.getTime()) || calendar.toISOString().slice(0, 10) !== day) throw invalid('not a real date');
  // The same cap as expiresInDays, through the end of that last day so a date picker can reach it.
  const last = new Date(now.getTime() + MAX_DAYS * 86_400_000);
  last.setUTCHours(23, 59, 59, 999);
  if (date > last) throw invalid(`at most ${MAX_DAYS} days from now`);
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
  const orgs = parseOrgList(body.orgs);
  let expiresAt: Date | null = null;
  if (typeof body.expiresAt === 'string' && body.expiresAt !== '') expiresAt = parseExpiresAt(body.expiresAt, now);
  else if (body.expiresAt !== undefined && body.expiresAt !== null && body.expiresAt !== '') {
    throw new FlockError('bad_request', 'Invalid expiry: use a date such as 2027-01-31');
  } else if (body.expiresInDays !== undefined && body.expiresInDays !== null && body.expiresInDays !== '') expiresAt = parseDays(body.expiresInDays, now);
  return { name, scopes: parseScopeList(body.scopes), orgs, expiresAt };
}
