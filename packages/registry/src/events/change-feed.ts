import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Something that invalidates cached answers: a package's versions, yank state or
 * visibility (its sparse index entry); a token revoked or rotated (by the hash
 * stored in the database, never the secret); any membership ('*' means all).
 */
export type ChangeEvent =
  | { kind: 'package'; org: string; name: string }
  | { kind: 'token'; tokenHash: string }
  | { kind: 'memberships' };

/**
 * Tells every replica (this one included) that something changed, so each can
 * drop what it cached. On PostgreSQL: LISTEN/NOTIFY; on SQLite (one server
 * process): in-process only.
 */
export interface ChangeFeed {
  /**
   * Resolves once the event is sent. Never rejects: the change it reports is
   * already stored, so a failure to tell others is logged, not turned into an
   * error for the request that made the change.
   */
  notify(event: ChangeEvent): Promise<void>;
  subscribe(handler: (event: ChangeEvent) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'flock_changes';

function isChangeEvent(value: unknown): value is ChangeEvent {
  const v = value as Record<string, unknown> | null;
  if (v?.kind === 'package') return typeof v.org === 'string' && typeof v.name === 'string';
  if (v?.kind === 'token') return typeof v.tokenHash === 'string';
  return v?.kind === 'memberships';
}

export function createLocalChangeFeed(): ChangeFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async notify(event) {
      emitter.emit('change', event);
    },
    subscribe(handler) {
      emitter.on('change', handler);
      return () => emitter.off('change', handler);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * LISTEN on one dedicated connection (reconnecting after a drop); NOTIFY through
 * any. A replica that was disconnected may have missed events, so on reconnect
 * it tells its subscribers to drop everything (`org: '*'`).
 */
export async function createPostgresChangeFeed(url: string, logger: Logger): Promise<ChangeFeed> {
  const local = createLocalChangeFeed();
  // Timeouts, so a database host that stops answering fails a notify or a reconnect attempt instead of hanging it.
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  let listener: pg.Client | null = null;
  let closed = false;
  // Marks the events this replica sends, so it can tell them from other replicas' events.
  const origin = randomUUID();

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message) => {
      try {
        const { origin: from, ...event } = JSON.parse(message.payload ?? '') as { origin?: unknown };
        // Our own event was delivered here when it was sent: hearing it again later would drop what was cached since.
        if (from !== origin && isChangeEvent(event)) void local.notify(event);
      } catch {
        // Not ours: ignore.
      }
    });
    client.on('error', (error) => {
      logger.warn({ err: error }, 'change feed connection lost; reconnecting');
      listener = null;
      client.end().catch(() => {});
      if (!closed) setTimeout(() => void reconnect(), 500).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    listener = client;
  }

  async function reconnect(): Promise<void> {
    try {
      await listen();
      // Events may have been missed while disconnected: drop everything cached.
      void local.notify({ kind: 'package', org: '*', name: '*' });
      void local.notify({ kind: 'memberships' });
    } catch (error) {
      logger.warn({ err: error }, 'change feed reconnect failed; retrying');
      if (!closed) setTimeout(() => void reconnect(), 1000).unref();
    }
  }

  await listen();
  return {
    async notify(event) {
      // This replica at once, the others through PostgreSQL.
      void local.notify(event);
      try {
        await pool.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify({ ...event, origin })]);
      } catch (error) {
        // Other replicas keep what they cached: tokens and roles until their TTL, index entries until the next change.
        logger.error({ err: error, event: event.kind }, 'could not tell other replicas of a change');
      }
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      await local.close();
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}
