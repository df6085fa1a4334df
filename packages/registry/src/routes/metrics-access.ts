import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { FlockError } from '@flock/core';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * /metrics counts every request and publish, private packages' included, so it
 * is not for everyone: with FLOCK_METRICS_TOKEN set it wants that token as a
 * Bearer token, and without it it answers only this machine (127.0.0.1).
 */
export function metricsAccess(token: string | undefined): MiddlewareHandler {
  const expected = token ? digest(token) : null;
  return async (c, next) => {
    if (expected !== null) {
      const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      // Compared as digests: equal lengths, and no timing difference to learn the token from.
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new FlockError('unauthenticated', 'Metrics need the token set in FLOCK_METRICS_TOKEN');
      }
    } else if (!isLoopback(getConnInfo(c).remote.address)) {
      throw new FlockError('forbidden', 'Metrics are served only to 127.0.0.1 unless FLOCK_METRICS_TOKEN is set');
    }
    await next();
  };
}
