import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Mid-window, so the fixed window cannot roll over during the test.
const fixedClock = () => new Date('2026-06-01T12:07:30Z');
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startServer, type RunningServer } from '../src/index.js';

const archive = (version: string) => manifestOnlyArchive('limited', 'busy', version);

describe('rate limits', () => {
  let registry: TestRegistry;
  let second: RunningServer;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_PUBLISHES_PER_HOUR: '3' }, { clock: fixedClock });
    // A second replica on the same database: the limit is one count across both.
    second = await startServer(registry.config, { logger: pino({ level: 'silent' }), clock: fixedClock });
    token = await registry.createUser('limited');
  });
  afterAll(async () => {
    await second?.close();
    await registry?.close();
  });

  const publish = async (base: string, version: string) =>
    fetch(`${base}/api/v1/packages/limited/busy/${version}`, { method: 'PUT', body: await archive(version), headers: { authorization: `Bearer ${token}` } });

  it('answers 429 with Retry-After past the limit, counting across replicas, and stores nothing', async () => {
    expect((await publish(registry.url, '1.0.0')).status).toBe(200);
    expect((await publish(second.url, '1.0.1')).status).toBe(200);
    expect((await publish(registry.url, '1.0.2')).status).toBe(200);
    const refused = await publish(second.url, '1.0.3');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await refused.json()).toEqual({ error: `Too many publishes: try again in ${retryAfter} s` });
    const versions = (await (await fetch(`${registry.url}/api/v1/packages/limited/busy`)).json()) as { versions: unknown[] };
    expect(versions.versions).toHaveLength(3);
  });

  it('does not limit reads', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${second.url}/api/v1/packages/limited/busy`)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });
});
