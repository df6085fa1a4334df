import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type RequestLabels = { method: string; route: string; status: string };

/** The registry's Prometheus metrics, on their own Registry (no process-global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'flock_' });
  // Request counts of the index fast path, kept as plain integers and folded into the counter when
  // it is scraped: prom-client's inc() hashes and validates the label set on every call.
  const tallies: { labels: RequestLabels; count: number }[] = [];
  const requests = new Counter({
    name: 'flock_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      for (const tally of tallies) {
        if (tally.count > 0) this.inc(tally.labels, tally.count);
        tally.count = 0;
      }
    },
  });
  /** A counter for one label set, as cheap as `n++`, for the hot path. */
  function requestTally(labels: RequestLabels): () => void {
    const tally = { labels, count: 0 };
    tallies.push(tally);
    return () => {
      tally.count++;
    };
  }
  const latency = new Histogram({
    name: 'flock_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const publishes = new Counter({
    name: 'flock_publishes_total',
    help: 'Publish attempts by result (ok or the error code)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'flock_store_errors_total',
    help: 'Blob store operations that failed, by store',
    labelNames: ['store'] as const,
    registers: [registry],
  });
  return { registry, requests, requestTally, latency, publishes, storeErrors };
}

export type Metrics = ReturnType<typeof createMetrics>;

// A caller's request id is kept only when it is short and plain, so it cannot inject into logs.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (echoed as X-Request-Id), counts it by route pattern
 * (never the raw path, which would explode label cardinality), and logs one JSON
 * line per request. The Authorization header is never logged.
 */
export function observe({ logger, metrics }: { logger: Logger; metrics: Metrics }): MiddlewareHandler {
  return async (c, next) => {
    const started = process.hrtime.bigint();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.header('x-request-id', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The last matched route is the handler's pattern; only middleware matched means no route did.
      const pattern = routePath(c, -1);
      const route = pattern === '*' || pattern === '/*' ? 'unmatched' : pattern;
      const status = String(c.res.status);
      metrics.requests.inc({ method: c.req.method, route, status });
      metrics.latency.observe({ method: c.req.method, route }, seconds);
      if (logger.isLevelEnabled('info')) {
        logger.info({ requestId, method: c.req.method, path: c.req.path, route, status: c.res.status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
      }
    }
  };
}
