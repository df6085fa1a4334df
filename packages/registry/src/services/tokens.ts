import { randomUUID } from 'node:crypto';
import { FlockError } from '@flock/core';
import { hashToken, looksLikeToken, mintToken } from '../auth/tokens.js';
import { SCOPES, type Principal, type Scope } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { TokenRow } from '../db/schema.js';
import { isoNow, type Clock } from './clock.js';

export interface TokensDeps {
  db: Db;
  clock: Clock;
}

export interface NewTokenInput {
  userId: string;
  name: string;
  scopes?: Scope[];
  orgIds?: string[] | null;
  expiresAt?: Date | null;
}

const LAST_USED_EVERY_MS = 60_000;

function invalidToken(): FlockError {
  return new FlockError('invalid_token', 'Invalid token');
}

export function parseScopes(raw: string): Scope[] {
  const scopes = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new FlockError('bad_request', `Unknown scope "${scope}": use ${SCOPES.join(', ')}`);
    }
  }
  if (scopes.length === 0) throw new FlockError('bad_request', 'A token needs at least one scope');
  return [...new Set(scopes)] as Scope[];
}

/** Minting, checking and listing API tokens. The secret exists only in the return value of create. */
export function createTokensService({ db, clock }: TokensDeps) {
  async function create(input: NewTokenInput): Promise<{ token: string; row: TokenRow }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) {
      throw new FlockError('bad_request', 'A token name must be 1 to 100 characters');
    }
    const token = mintToken();
    const row: TokenRow = {
      id: randomUUID(),
      user_id: input.userId,
      name,
      token_hash: hashToken(token),
      scopes: (input.scopes ?? [...SCOPES]).join(','),
      org_ids: input.orgIds ? JSON.stringify(input.orgIds) : null,
      created_at: isoNow(clock),
      last_used_at: null,
      expires_at: input.expiresAt ? input.expiresAt.toISOString() : null,
      revoked_at: null,
    };
    await db.insertInto('tokens').values(row).execute();
    return { token, row };
  }

  /** The principal behind a bearer token; unknown, malformed, revoked and expired tokens are all "Invalid token". */
  async function authenticate(token: string): Promise<Principal> {
    if (!looksLikeToken(token)) throw invalidToken();
    const row = await db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.id', 'tokens.name', 'tokens.scopes', 'tokens.org_ids', 'tokens.expires_at', 'tokens.revoked_at', 'tokens.last_used_at'])
      .select(['users.id as user_id', 'users.username'])
      .where('tokens.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    const now = clock();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && new Date(row.expires_at) <= now)) {
      throw invalidToken();
    }
    // At most one write a minute per token: reads must not turn into writes.
    if (row.last_used_at === null || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_EVERY_MS) {
      await db.updateTable('tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
    }
    return {
      userId: row.user_id,
      username: row.username,
      token: {
        id: row.id,
        name: row.name,
        scopes: row.scopes.split(',') as Scope[],
        orgIds: row.org_ids === null ? null : (JSON.parse(row.org_ids) as string[]),
      },
    };
  }

  return { create, authenticate };
}

export type TokensService = ReturnType<typeof createTokensService>;
