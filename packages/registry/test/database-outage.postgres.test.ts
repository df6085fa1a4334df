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
    // A fixed clock: the auth cache's few seconds (a token's principal, a membership) do not run out mid-test.
    const clock = () => new Date('2026-06-01T12:00:00Z');
    a = await startServer(config, { logger: pino({ level: 'silent' }), clock });
    b = await startServer(config, { logger: pino({ level: 'silent' }), clock });
    const user = await a.registry.services.accounts.createUser({ username: 'ada' });
    // With manage, so that token create gets past authorization (answered from memory) to the database.
    token = (await a.registry.services.tokens.create({ userId: user.id, name: 'test', scopes: ['publish', 'yank', 'read', 'manage'] })).token;
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

  // The three steps run in order on the same replicas: up and warm, down, back up.
  let warmIndex: string;
  let secret: Buffer;

  it('while the database is down, the warm index and downloads are still served, to those allowed', async () => {
    const published = await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0`, { method: 'PUT', headers: auth(), body: archive });
    expect(published.status).toBe(200);
    warmIndex = await (await fetch(`${a.url}/index/ada/steady`)).text();
    expect(await versionsIn(b)).toEqual(['1.0.0']);
    secret = await manifestOnlyArchive('ada', 'secret', '1.0.0', 'visibility = "private"');
    expect((await fetch(`${a.url}/api/v1/packages/ada/secret/1.0.0`, { method: 'PUT', headers: auth(), body: secret })).status).toBe(200);
    expect((await fetch(`${a.url}/index/ada/secret`, { headers: auth() })).status).toBe(200);

    await cluster.stop('immediate');

    const index = await fetch(`${a.url}/index/ada/steady`);
    expect([index.status, await index.text()]).toEqual([200, warmIndex]);
    const download = await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/download`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(archive)).toBe(true);
    // A private package: to its member's token (principal and membership still cached), never to anyone else.
    const privately = await fetch(`${a.url}/api/v1/packages/ada/secret/1.0.0/download`, { headers: auth() });
    expect(privately.status).toBe(200);
    expect(Buffer.from(await privately.arrayBuffer()).equals(secret)).toBe(true);
    expect((await fetch(`${a.url}/api/v1/packages/ada/secret/1.0.0/download`)).status).toBe(404);
  });

  it('while it is down, writes, pages and what memory lacks answer 503 saying so; /readyz names the database', async () => {
    const writes: Array<[string, Promise<Response>]> = [
      ['publish', publish(a, '1.1.0')],
      ['yank', fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/yank`, { method: 'POST', headers: auth() })],
      ['token create', fetch(`${a.url}/api/v1/tokens`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci', scopes: ['read'] }) })],
      ['a cold index entry', fetch(`${a.url}/index/ada/never-asked`)],
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
    expect(await ready.json()).toEqual({ ok: false, checks: { database: `unreachable: connect ECONNREFUSED 127.0.0.1:${cluster.port}`, store: 'ok' } });
  });

  it('once it is back, without a restart, writes work and every replica serves the changes', async () => {
    await cluster.start();
    expect((await publish(a, '1.1.0')).status).toBe(200);
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    // B's LISTEN connection was dropped, so it may have missed that notice: it drops its caches on reconnecting.
    await expect.poll(() => versionsIn(b), { timeout: 10_000, interval: 200 }).toEqual(['1.0.0', '1.1.0']);
    // And B hears of later changes through its new LISTEN connection.
    expect((await fetch(`${a.url}/api/v1/packages/ada/steady/1.0.0/yank`, { method: 'POST', headers: auth() })).status).toBe(200);
    await expect.poll(async () => (await (await fetch(`${b.url}/index/ada/steady`)).text()).includes('"yanked":true'), { timeout: 10_000, interval: 200 }).toBe(true);
  });
});
