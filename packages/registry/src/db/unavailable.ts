import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { FlockError } from '@flock/core';
import { storageUnavailable } from '../blobs/errors.js';

/** How long a client should wait before retrying a request the database could not serve. */
const RETRY_AFTER_SECONDS = 5;

export const DATABASE_UNAVAILABLE = "The registry's database is unavailable; try again shortly";

// Socket-level failures reaching the server (pg reports them with node's errno codes).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLSTATEs of a server going away or not yet taking connections: admin/crash shutdown, starting up.
const SERVER_GONE = new Set(['57P01', '57P02', '57P03']);
// What pg and pg-pool say, without a code, when a connection dies or none can be had in time.
const CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
// SQLite: another process holds the lock past busy_timeout.
const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;
// SQLite: the file itself cannot be read or written (a full or failing disk).
const SQLITE_DISK = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY)/;

/** The error and whatever it wraps (pg's AggregateError for several addresses, `cause` chains). */
function* causes(error: unknown, depth = 0): Generator<{ code?: unknown; message?: unknown }> {
  if (error === null || typeof error !== 'object' || depth > 4) return;
  yield error as { code?: unknown; message?: unknown };
  if (error instanceof AggregateError) for (const inner of error.errors) yield* causes(inner, depth + 1);
  yield* causes((error as { cause?: unknown }).cause, depth + 1);
}

/** True when `error` says the database cannot be reached right now, as opposed to a query it refused. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || SERVER_GONE.has(code) || code.startsWith('08') || SQLITE_BUSY.test(code)) return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * A database failure as the error a client should see: 503 "try again shortly"
 * with Retry-After when the database is unreachable, the storage message when
 * SQLite's disk fails; null for anything else (a refused query keeps its own
 * error, e.g. a unique violation; a bug is logged and answered 500).
 */
export function classifyDatabaseError(error: unknown): FlockError | null {
  if (error instanceof FlockError) return null;
  if (isDatabaseUnreachable(error)) return new FlockError('unavailable', DATABASE_UNAVAILABLE, { cause: error, retryAfterSeconds: RETRY_AFTER_SECONDS });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SQLITE_DISK.test(code)) return storageUnavailable(error);
  return null;
}

/** Whether `error` is the database outage classifyDatabaseError reports (not a failing blob store, also 'unavailable'). */
export function isDatabaseOutage(error: unknown): boolean {
  return error instanceof FlockError && error.code === 'unavailable' && error.message === DATABASE_UNAVAILABLE;
}

/** Calls through to `target`, turning what its promises reject with into classified errors; `wrap` sees what they resolve to. */
function classifying<T extends object>(target: T, wrap: (prop: string | symbol, value: unknown) => unknown = (_prop, value) => value): T {
  return new Proxy(target, {
    get(object, prop) {
      const member: unknown = Reflect.get(object, prop, object);
      if (typeof member !== 'function') return member;
      const rethrow = (error: unknown) => {
        throw classifyDatabaseError(error) ?? error;
      };
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          // Called on the real object: Kysely's drivers and connections keep their state in private fields.
          result = member.apply(object, args);
        } catch (error) {
          // better-sqlite3 throws before any promise exists.
          rethrow(error);
        }
        return result instanceof Promise ? result.then((value) => wrap(prop, value), rethrow) : result;
      };
    },
  });
}

/**
 * The database seam: every query, transaction and connection the dialect's
 * driver makes reports an unreachable database as FlockError('unavailable'),
 * so services and app.ts never see pg's or SQLite's own connection errors.
 */
export function reportingOutages(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () =>
      classifying<Driver>(dialect.createDriver(), (prop, value) => (prop === 'acquireConnection' ? classifying(value as DatabaseConnection) : value)),
  };
}

/** Text with any credentials in URLs (scheme://user:password@host) replaced by "…". */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/)[^@\s/]*@/g, '$1…@');
}

/** One line for /readyz and operator messages, without credentials a connection URL may carry. */
export function describeDatabaseError(thrown: unknown): string {
  let error = thrown;
  while (error instanceof FlockError && error.cause !== undefined) error = error.cause;
  const message = (error as Error)?.message || String(error);
  const line = redactUrl(message.split('\n')[0]!);
  return isDatabaseUnreachable(error) ? `unreachable: ${line}` : `error: ${line}`;
}
