import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { reservedNameFor } from '@flock/core';
import { createApp } from './app.js';
import { createMetrics } from './observability.js';
import type { Services } from './services/index.js';

describe('reserved org names', () => {
  it('include every word the route table uses at the top level and under /flock/', () => {
    // Only the route table is read: nothing is served, so the services are never touched.
    const app = createApp({
      services: {} as Services, publicUrl: 'http://127.0.0.1', logger: pino({ level: 'silent' }), metrics: createMetrics(),
      ready: async () => ({ ok: true, checks: {} }), auth: { github: null, localAccounts: true, secureCookies: false },
    });
    const words = new Set<string>();
    for (const { path } of app.routes) {
      const [first, second] = path.split('/').filter(Boolean);
      for (const word of first === 'flock' ? [first, second] : [first]) {
        // Only words that could be an org's name: one with a dot (favicon.svg) never is.
        if (word && /^[a-z][a-z0-9-]*$/.test(word)) words.add(word);
      }
    }
    expect([...words]).toContain('healthz');
    expect([...words].filter((word) => reservedNameFor(word) !== word)).toEqual([]);
  });
});
