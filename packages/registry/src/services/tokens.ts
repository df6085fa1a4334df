import { randomUUID } from 'node:crypto';
import { FlockError } from '@flock/core';
import { hashToken, looksLikeToken, mintToken } from '../auth/tokens.js';
import { DEFAULT_SCOPES, SCOPES, type Principal, type Scope } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { TokenRow } from '../db/schema.js';
import { isoNow, type Clock } from './clock.js';

export interface TokensDeps {
  db: Db;
  clock: Clock;
  /**
   * Called after a token is revoked or rotated, with the id and the hash of the
   * secret that stopped working: a cache of principals must drop it here. Awaited,
   * so the answer to a revoke leaves only after every replica has been told.
   */
  onTokenChanged?: (change: { tokenId: string; tokenHash: string }) => void | Promise<void>;
}

/** last_used_at is written at most this often per token, so reads do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface NewTokenInput {
  userId: string;
  name: string;
  scopes?: Scope[];
  orgIds?: string[] | null;
  expiresAt?: Date | null;
}


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

/** Runs in the same transaction as a token change: its audit row (and webhooks' outbox) commits with it. */
export type WithinChange = (trx: Db, row: TokenRow) => Promise<void>;

/** Minting, checking and listing API tokens. The secret exists only in the return value of create. */
export function createTokensService({ db, clock, onTokenChanged }: TokensDeps) {
  /** `within`, when given, runs in the transaction that writes the change. */
  const changing = async (write: (trx: Db) => Promise<void>, row: TokenRow, within?: WithinChange) =>
    within ? db.transaction().execute(async (trx) => { await write(trx); await within(trx, row); }) : write(db);

  async function create(input: NewTokenInput, within?: WithinChange): Promise<{ token: string; row: TokenRow }> {
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
      scopes: (input.scopes ?? DEFAULT_SCOPES).join(','),
      org_ids: input.orgIds ? JSON.stringify(input.orgIds) : null,
      created_at: isoNow(clock),
      last_used_at: null,
      expires_at: input.expiresAt ? input.expiresAt.toISOString() : null,
      revoked_at: null,
    };
    await changing(async (trx) => { await trx.insertInto('tokens').values(row).execute(); }, row, within);
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
    if (row.last_used_at === null || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS) {
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
        expiresAt: row.expires_at,
      },
    };
  }

  /** The user's tokens that are not revoked, newest first (expired ones stay listed until revoked). */
  async function list(userId: string): Promise<TokenRow[]> {
    return db.selectFrom('tokens').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async function find(userId: string, tokenId: string): Promise<TokenRow> {
    const row = await db.selectFrom('tokens').selectAll().where('id', '=', tokenId).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    if (!row) throw new FlockError('not_found', 'No such token');
    return row;
  }

  async function revoke(userId: string, tokenId: string, within?: WithinChange): Promise<TokenRow> {
    const row = await find(userId, tokenId);
    await changing(async (trx) => { await trx.updateTable('tokens').set({ revoked_at: isoNow(clock) }).where('id', '=', row.id).execute(); }, row, within);
    await onTokenChanged?.({ tokenId: row.id, tokenHash: row.token_hash });
    return row;
  }

  /** A new secret with the same settings; the old secret stops working at once. The token keeps its id, so its history stays together. */
  async function rotate(userId: string, tokenId: string, within?: WithinChange): Promise<{ token: string; row: TokenRow }> {
    const row = await find(userId, tokenId);
    const token = mintToken();
    await changing(async (trx) => {
      const updated = await trx
        .updateTable('tokens')
        .set({ token_hash: hashToken(token), last_used_at: null })
        .where('id', '=', row.id)
        .where('token_hash', '=', row.token_hash)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new FlockError('conflict', 'The token changed meanwhile; try again');
    }, row, within);
    await onTokenChanged?.({ tokenId: row.id, tokenHash: row.token_hash });
    return { token, row: { ...row, token_hash: hashToken(token), last_used_at: null } };
  }

  return { create, authenticate, list, find, revoke, rotate };
}

export type TokensService = ReturnType<typeof createTokensService>;
