import { createHash, randomBytes, randomInt } from 'node:crypto';
import { FlockError } from '@flock/core';
import type { Principal, Scope } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { AccessService } from './access.js';
import type { AuditService } from './audit.js';
import { tokenEvent } from './token-admin.js';
import { isoNow, type Clock } from './clock.js';
import type { RateLimit, RateLimitsService } from './rate-limits.js';
import type { TokensService } from './tokens.js';

/**
 * `flock login --web`: OAuth 2.0's device authorization grant (RFC 8628) in
 * Flock's own JSON. The CLI asks for a pair of codes, the user types the short
 * one into a signed-in browser and approves, and the CLI's next poll with the
 * long one is answered with a new token, once.
 */
export interface DeviceCodesDeps {
  db: Db;
  clock: Clock;
  tokens: TokensService;
  access: AccessService;
  audit: AuditService;
  rateLimits: RateLimitsService;
  /** Seconds the CLI waits between polls (FLOCK_DEVICE_POLL_INTERVAL). */
  intervalSeconds: number;
}

export const DEVICE_CODE_LIFETIME_SECONDS = 600;
/** Per client address: plenty for a person, too few to fill the table. */
export const DEVICE_CODES_PER_IP: RateLimit = { limit: 20, windowSeconds: 600 };
/** Wrong user codes per signed-in user: enough for typos; 10 guesses in 20^8 are nothing. */
export const WRONG_USER_CODES: RateLimit = { limit: 10, windowSeconds: 600 };
/** RFC 8628 §6.1: consonants only, so no code spells a word or mixes up 0/O, 1/I. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
const MAX_NAME_LENGTH = 100;
const MAX_DEVICE_CODE_LENGTH = 200;

/** The answers of a poll that has no token yet; each is the `error` of a 400, as in RFC 8628 §3.5. */
export type PollRefusal = 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token';
const refuse = (error: PollRefusal) => new FlockError('bad_request', error);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** "abcd efgh", "ABCD-EFGH" → "ABCDEFGH"; null for anything that cannot be a user code. */
export function normalizeUserCode(raw: string): string | null {
  if (raw.length > 40) return null;
  const code = raw.toUpperCase().replace(/[\s-]+/g, '');
  if (code.length !== USER_CODE_LENGTH || [...code].some((ch) => !USER_CODE_ALPHABET.includes(ch))) return null;
  return code;
}

export const formatUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** The machine's name as the CLI sends it, e.g. "flock on laptop": one printable line of at most 100 characters. */
export function parseDeviceName(raw: unknown): string {
  if (raw === undefined || raw === null) return 'flock login --web';
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new FlockError('bad_request', `Invalid name: use 1 to ${MAX_NAME_LENGTH} printable characters`);
  }
  return name;
}

export function createDeviceCodesService({ db, clock, tokens, access, audit, rateLimits, intervalSeconds }: DeviceCodesDeps) {
  /** A new pair of codes for a CLI at `ip`; expired pairs are dropped on the way. */
  async function start({ name, ip }: { name: string; ip: string }) {
    await rateLimits.hit(`device-code:ip:${ip}`, DEVICE_CODES_PER_IP, 'sign-in codes requested');
    const now = clock();
    await db.deleteFrom('device_codes').where('expires_at', '<=', now.toISOString()).execute();
    const deviceCode = randomBytes(32).toString('base64url');
    // A clash of user codes (20^8 of them) is retried with a fresh one: the column is unique.
    for (let attempt = 1; ; attempt++) {
      const userCode = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
      try {
        await db.insertInto('device_codes').values({
          device_code_hash: sha256(deviceCode),
          user_code_hash: sha256(userCode),
          name,
          status: 'pending',
          interval_seconds: intervalSeconds,
          user_id: null,
          scopes: null,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + DEVICE_CODE_LIFETIME_SECONDS * 1000).toISOString(),
          last_polled_at: null,
        }).execute();
        return { deviceCode, userCode: formatUserCode(userCode), expiresIn: DEVICE_CODE_LIFETIME_SECONDS, interval: intervalSeconds };
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }

  /**
   * Runs `use` on the pending sign-in with this user code. Every try counts
   * against the user's limit first and is forgiven when the code is right, so
   * guesses sent in parallel are all counted.
   */
  async function withPending<T>(principal: Principal, rawCode: string, use: (userCodeHash: string, name: string) => Promise<T>): Promise<T> {
    const bucket = `device-approve:user:${principal.userId}`;
    const window = await rateLimits.hit(bucket, WRONG_USER_CODES, 'wrong codes');
    const code = normalizeUserCode(rawCode);
    const row = code === null ? undefined : await db.selectFrom('device_codes').select(['user_code_hash', 'name'])
      .where('user_code_hash', '=', sha256(code)).where('status', '=', 'pending').where('expires_at', '>', isoNow(clock))
      .executeTakeFirst();
    if (!row) throw new FlockError('not_found', 'No sign-in is waiting for this code: check it, or run flock login --web again');
    const result = await use(row.user_code_hash, row.name);
    await rateLimits.forgive(bucket, window);
    return result;
  }

  /** What the approval page shows about a code the user typed. */
  async function find(principal: Principal, rawCode: string): Promise<{ userCode: string; name: string }> {
    return withPending(principal, rawCode, async (_hash, name) => ({ userCode: formatUserCode(normalizeUserCode(rawCode)!), name }));
  }

  /** Approves (with these scopes) or denies the sign-in; the CLI learns of it at its next poll. */
  async function decide(principal: Principal, rawCode: string, decision: { approve: true; scopes: Scope[] } | { approve: false }): Promise<{ name: string }> {
    access.requireAccountAdmin(principal);
    if (decision.approve && decision.scopes.length === 0) throw new FlockError('bad_request', 'A token needs at least one scope');
    return withPending(principal, rawCode, async (hash, name) => {
      const updated = await db.updateTable('device_codes')
        .set({ status: decision.approve ? 'approved' : 'denied', user_id: principal.userId, scopes: decision.approve ? decision.scopes.join(',') : null })
        .where('user_code_hash', '=', hash).where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new FlockError('conflict', 'This sign-in was decided meanwhile');
      const subject = decision.approve ? `${name} (${decision.scopes.join(',')})` : name;
      await audit.record({ principal, action: decision.approve ? 'device.approve' : 'device.deny', subject });
      return { name };
    });
  }

  /** The CLI's poll: a new token once approved, exactly once; otherwise throws one of the PollRefusal errors. */
  async function poll(rawDeviceCode: unknown): Promise<{ token: string; username: string }> {
    if (typeof rawDeviceCode !== 'string' || rawDeviceCode.length === 0 || rawDeviceCode.length > MAX_DEVICE_CODE_LENGTH) {
      throw new FlockError('bad_request', 'Expected {"deviceCode": "…"}');
    }
    const hash = sha256(rawDeviceCode);
    const row = await db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
    const now = clock();
    // Unknown, used up and expired codes read alike: the CLI must start again either way.
    if (!row || new Date(row.expires_at) <= now) throw refuse('expired_token');
    if (row.status === 'denied') {
      await db.deleteFrom('device_codes').where('device_code_hash', '=', hash).execute();
      throw refuse('access_denied');
    }
    if (row.status === 'pending') {
      const tooSoon = row.last_polled_at !== null && now.getTime() - new Date(row.last_polled_at).getTime() < row.interval_seconds * 1000;
      await db.updateTable('device_codes')
        .set({ last_polled_at: now.toISOString(), interval_seconds: tooSoon ? row.interval_seconds + 5 : row.interval_seconds })
        .where('device_code_hash', '=', hash).execute();
      throw refuse(tooSoon ? 'slow_down' : 'authorization_pending');
    }
    // Approved: whoever deletes the row gets the token, so two polls at once cannot both have one.
    const taken = await db.deleteFrom('device_codes').where('device_code_hash', '=', hash).where('status', '=', 'approved').executeTakeFirst();
    if (Number(taken.numDeletedRows) !== 1 || row.user_id === null || row.scopes === null) throw refuse('expired_token');
    const user = await db.selectFrom('users').select(['id', 'username']).where('id', '=', row.user_id).executeTakeFirstOrThrow();
    const principal = { userId: user.id, username: user.username, token: null };
    const created = await tokens.create(
      { userId: user.id, name: row.name, scopes: row.scopes.split(',') as Scope[] },
      (trx, token) => audit.record({ principal, action: 'token.create', subject: token.name, ...tokenEvent(token) }, trx),
    );
    return { token: created.token, username: user.username };
  }

  return { start, find, decide, poll };
}

export type DeviceCodesService = ReturnType<typeof createDeviceCodesService>;
