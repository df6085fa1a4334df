import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { tempDir } from '../../../test-support/cli.js';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../../../test-support/postgres-cluster.js';
import { loadConfig, startServer, type RunningServer } from '../src/index.js';

const UNAVAILABLE = { error: "The registry's database is unavailable; try again shortly" };

const binDir = findPostgresBin();
if (binDir === null) {
  if (process.env.CI) throw new Error('initdb and pg_ctl are missing: CI must run the database outage test');
  process.stderr.write('\n!! SKIPPING database-outage.postgres.test.ts: no initdb/pg_ctl found (install PostgreSQL server binaries)\n\n');
}

// The test stops and starts a PostgreSQL server of its own (never the shared one) under two running replicas.
describe.skipIf(binDir === null)('a database outage: reads degrade, writes say so, and it recovers without a restart', () => {
  let cluster: ThrowawayPostgres;
  let dir: { path: string; cleanup(): Promise<void> };
  let a: RunningServer;
  let b: RunningServer;
  let token: string;
  let archive: Buffer;

  beforeAll(async () => {
    cluster = await startThrowawayPostgres(binDir!);
    dir = await tempDir('flock-outage-');
    // Two replicas on one database and one store folder (one data folder, so one secret key).
    const config = loadConfig({ FLOCK_DATA_DIR: dir.path, FLOCK_PORT: '0', FLOCK_DATABASE_URL: cluster.url });
    a = await startServer(config, { logger: pino({ level: 'silent' }) });
    b = await startServer(config, { logger: pino({ level: 'silent' }) });
    const user = await a.registry.services.accounts.createUser({ username: 'ada' });
    token = (await a.registry.services.tokens.create({ userId: user.id, name: 'test' })).token;
    archive = await manifestOnlyArchive('ada', 'steady', '1.0.0');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.remove();
    await dir?.cleanup();
  });

  const auth = () => ({ authorization: `Bearer ${token}` });
  const publish = async (server: RunningServer, version: string) =>
    fetch(`${server.url}/api/v1/packages/ada/steady/${version}`, { method: 'PUT', headers: auth(), body: await manifestOnlyArchive('ada', 'steady', version) });
  const versionsIn = async (server: RunningServer) =>
    (await (await fetch(`${server.url}/index/ada/steady`)).text()).trim().split('\n').map((line) => (JSON.parse(line) as { version: string }).version);

  it('serves the warm index and downloads while the database is down, refuses writes with 503, and recovers', async () => {
    const published = await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0`, { method: 'PUT', headers: auth(), body: archive });
    expect(published.status).toBe(200);
    const warmIndex = await (await fetch(`${a.url}/index/ada/steady`)).text();
    expect(await versionsIn(b)).toEqual(['1.0.0']);
    expect((await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/download`)).status).toBe(200);

    await cluster.stop('immediate');

    const index = await fetch(`${a.url}/index/ada/steady`);
    expect(index.status).toBe(200);
    expect(await index.text()).toBe(warmIndex);
    const download = await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/download`);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(archive).digest('hex'));

    const writes: Array<[string, Promise<Response>]> = [
      ['publish', publish(a, '1.1.0')],
      ['yank', fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/yank`, { method: 'POST', headers: auth() })],
      ['token create', fetch(`${a.url}/api/v1/tokens`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci', scopes: ['read'] }) })],
    ];
    for (const [what, pending] of writes) {
      const response = await pending;
      expect(response.status, what).toBe(503);
      expect(response.headers.get('retry-after'), what).toMatch(/^[1-9]\d*$/);
      expect(await response.json(), what).toEqual(UNAVAILABLE);
    }
    const page = await fetch(`${a.url}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/The registry(&#39;|&#x27;|')s database is unavailable; try again shortly/);
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { ok: boolean; checks: Record<string, string> };
    expect(readiness).toEqual({ ok: false, checks: { database: expect.stringMatching(new RegExp(`^unreachable: .*ECONNREFUSED 127\\.0\\.0\\.1:${cluster.port}$`)), store: 'ok' } });

    await cluster.start();

    // Without restarting either replica: writes work again, and B (whose LISTEN connection
    // was dropped and so may have missed the notice) serves the new version.
    expect((await publish(a, '1.1.0')).status).toBe(200);
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    await expect.poll(() => versionsIn(b), { timeout: 10_000, interval: 200 }).toEqual(['1.0.0', '1.1.0']);
    // And B hears of later changes through its new LISTEN connection.
    expect((await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/yank`, { method: 'POST', headers: auth() })).status).toBe(200);
    await expect.poll(async () => (await (await fetch(`${b.url}/index/ada/steady`)).text()).includes('"yanked":true'), { timeout: 10_000, interval: 200 }).toBe(true);
  }, 60_000);
});
