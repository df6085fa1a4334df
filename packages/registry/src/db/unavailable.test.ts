import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { FlockError } from '@flock/core';
import { freePort } from '../../../../test-support/postgres-cluster.js';
import { openDatabase } from './connect.js';
import { DATABASE_UNAVAILABLE, classifyDatabaseError, describeDatabaseError } from './unavailable.js';

describe('classifying database errors', () => {
  it('connection failures, server shutdowns and pool timeouts are outages; refused queries are not', () => {
    const outage = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], 'connect failed'),
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
    ];
    for (const error of outage) {
      const classified = classifyDatabaseError(error);
      expect(classified?.code, error.message).toBe('unavailable');
      expect(classified?.message).toBe(DATABASE_UNAVAILABLE);
      expect(classified?.retryAfterSeconds).toBeGreaterThan(0);
    }
    for (const error of [Object.assign(new Error('duplicate key'), { code: '23505' }), new Error('syntax error'), new FlockError('not_found', 'x')]) {
      expect(classifyDatabaseError(error), error.message).toBeNull();
    }
    const full = classifyDatabaseError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(full?.message).toBe("The registry's storage is unavailable: database or disk is full");
  });

  it('a query on a PostgreSQL server that is not there is a 503 error with a reason free of credentials', async () => {
    const port = await freePort();
    const url = `postgres://flock:s3cret@127.0.0.1:${port}/flock`;
    const error = await openDatabase(url).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(FlockError);
    expect((error as FlockError).code).toBe('unavailable');
    expect(describeDatabaseError(error)).toBe(`unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(describeDatabaseError(new Error(`could not use ${url}`))).toBe(`error: could not use postgres://…@127.0.0.1:${port}/flock`);
  });

  it('SQLite held by another writer past busy_timeout is an outage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flock-busy-'));
    const [a, b] = [await openDatabase(`sqlite:${join(dir, 'x.db')}`), await openDatabase(`sqlite:${join(dir, 'x.db')}`)];
    try {
      await sql`pragma busy_timeout = 0`.execute(b.db);
      await sql`begin immediate`.execute(a.db);
      const error = await sql`insert into rate_limits (bucket, window_start, hits) values ('k', 0, 1)`.execute(b.db).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(FlockError);
      expect((error as FlockError).message).toBe(DATABASE_UNAVAILABLE);
      await sql`rollback`.execute(a.db);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
