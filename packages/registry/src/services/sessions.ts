import { createHash, createHmac } from 'node:crypto';
import { FlockError } from '@flock/core';
import { randomSecret } from '../auth/github.js';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { Clock } from './clock.js';

export interface SessionsDeps {
  db: Db;
  clock: Clock;
}

const SESSION_DAYS = 30;
const STATE_MINUTES = 10;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const addMinutes = (date: Date, minutes: number): string => new Date(date.getTime() + minutes * 60_000).toISOString();

/**
 * Browser sessions and one-time OAuth states, both in the database so every
 * replica sees them. Only hashes of the secrets are stored.
 */
export function createSessionsService({ db, clock }: SessionsDeps) {
  async function create(userId: string): Promise<{ secret: string; expiresAt: Date }> {
    const secret = randomSecret();
    const now = clock();
    const expiresAt = addMinutes(now, SESSION_DAYS * 24 * 60);
    await db.insertInto('sessions').values({ id_hash: sha256(secret), user_id: userId, created_at: now.toISOString(), expires_at: expiresAt }).execute();
    // Expired sessions are swept at sign-in rather than by a timer.
    await db.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).execute();
    return { secret, expiresAt: new Date(expiresAt) };
  }

  /** The session's principal, or null for an unknown, signed-out or expired session (a stale cookie is simply anonymous). */
  async function authenticate(secret: string): Promise<Principal | null> {
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id as user_id', 'users.username', 'sessions.expires_at'])
      .where('sessions.id_hash', '=', sha256(secret))
      .executeTakeFirst();
    if (!row || new Date(row.expires_at) <= clock()) return null;
    return { userId: row.user_id, username: row.username, token: null };
  }

  async function revoke(secret: string): Promise<void> {
    await db.deleteFrom('sessions').where('id_hash', '=', sha256(secret)).execute();
  }

  /** How many browsers the user is signed in on (unexpired sessions, the asking one included). */
  async function countFor(userId: string): Promise<number> {
    const row = await db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('user_id', '=', userId)
      .where('expires_at', '>', clock().toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Signs the user out on every other browser: ends all their sessions but the one holding `keep`. */
  async function revokeOthers(userId: string, keep: string): Promise<number> {
    const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', sha256(keep)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * The CSRF token of a session: an HMAC of the session secret, so it needs no
   * storage, differs per session, and cannot be computed without the cookie.
   */
  function csrfToken(secret: string): string {
    return createHmac('sha256', secret).update('flock-csrf').digest('base64url');
  }

  /** Remembers a sign-in in progress; returns the `state` to send to GitHub. */
  async function beginOAuth(input: { binding: string; verifier: string; next: string }): Promise<string> {
    const state = randomSecret();
    const now = clock();
    await db
      .insertInto('oauth_states')
      .values({ state_hash: sha256(state), binding_hash: sha256(input.binding), code_verifier: input.verifier, next: input.next, created_at: now.toISOString(), expires_at: addMinutes(now, STATE_MINUTES) })
      .execute();
    // Old, abandoned sign-ins are swept here rather than by a timer.
    await db.deleteFrom('oauth_states').where('expires_at', '<', now.toISOString()).execute();
    return state;
  }

  /** Uses up a state: it must exist, be fresh and belong to this browser. A second use finds nothing. */
  async function finishOAuth(input: { state: string; binding: string | undefined }): Promise<{ verifier: string; next: string }> {
    const row = await db.selectFrom('oauth_states').selectAll().where('state_hash', '=', sha256(input.state)).executeTakeFirst();
    const unknown = () => new FlockError('bad_request', 'This sign-in link is unknown, expired or already used. Please sign in again.');
    if (!row) throw unknown();
    // Deleting first makes the state single-use even when two callbacks race.
    const deleted = await db.deleteFrom('oauth_states').where('state_hash', '=', row.state_hash).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1 || new Date(row.expires_at) <= clock()) throw unknown();
    if (input.binding === undefined || sha256(input.binding) !== row.binding_hash) {
      throw new FlockError('bad_request', 'This sign-in was started in another browser. Please sign in again.');
    }
    return { verifier: row.code_verifier, next: row.next };
  }

  return { create, authenticate, revoke, countFor, revokeOthers, csrfToken, beginOAuth, finishOAuth };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
