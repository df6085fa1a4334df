import { pino } from 'pino';
import { createApp } from '../packages/registry/src/app.js';
import { createMetrics } from '../packages/registry/src/observability.js';

/** Every write route of the registry's app ("POST /api/v1/orgs", …), sorted: what tests of all writes walk. */
export function appWriteRoutes(): string[] {
  const app = createApp({
    services: {} as never, publicUrl: 'http://127.0.0.1', logger: pino({ level: 'silent' }), metrics: createMetrics(),
    ready: async () => ({ ok: true, checks: {} }), auth: {} as never,
  });
  const writes = app.routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)).map((r) => `${r.method} ${r.path}`);
  return [...new Set(writes)].sort();
}
