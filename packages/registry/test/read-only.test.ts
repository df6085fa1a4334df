import { parseOrgName, parsePackageName, parseVersion } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { REGISTRY_BIN, runBin, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { appWriteRoutes } from '../../../test-support/app-routes.js';

// Issue 16, part 3: a read-only registry refuses every write with 503 and Retry-After; reads go on.

const put = (registry: TestRegistry, token: string, path: string, body: Uint8Array) =>
  fetch(`${registry.url}/api/v1/packages/${path}`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` } });

/** A write that stores nothing either way (an invalid org name: 400 when writes are open, 503 when read-only). */
const probe = (registry: TestRegistry, token: string) =>
  fetch(`${registry.url}/api/v1/orgs`, { method: 'POST', body: '{"name":"--"}', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

/** Polls `check` (every 100 ms, at most 15 s): the servers read the toggle through a cache of a couple of seconds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the condition never held');
}

const versionRows = (registry: TestRegistry, version: string) =>
  registry.db.selectFrom('versions').select('id').where('version', '=', version).execute();

describe('FLOCK_READ_ONLY=1', () => {
  let registry: TestRegistry;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_READ_ONLY: '1', FLOCK_READ_ONLY_MESSAGE: 'moving to new disks' });
    token = await registry.createUser('acme');
    // Set up through the services, which the HTTP guard does not stand in front of.
    await registry.withServices(async (s) => {
      const principal = await s.tokens.authenticate(token);
      await s.publish.publish({
        publisher: { kind: 'user', principal }, org: parseOrgName('acme'), name: parsePackageName('widget'), version: parseVersion('1.0.0'),
        archive: await manifestOnlyArchive('acme', 'widget', '1.0.0'),
      });
    });
  });
  afterAll(() => registry?.close());

  it('answers a publish 503 with Retry-After and the message, and stores nothing', async () => {
    const blobs = await registry.listBlobs();
    const response = await put(registry, token, 'acme/widget/1.1.0', await manifestOnlyArchive('acme', 'widget', '1.1.0'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('300');
    expect(await response.json()).toEqual({ error: 'The registry is read-only: moving to new disks' });
    expect(await versionRows(registry, '1.1.0')).toEqual([]);
    expect(await registry.listBlobs()).toEqual(blobs);
  });

  it('answers every write route of the app 503 with Retry-After, before the route runs', async () => {
    const routes = appWriteRoutes();
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(/:[a-z]+/gi, 'x').replace(/\*/g, 'x');
      const response = await fetch(`${registry.url}${path}`, { method, body: '{}', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      expect(response.status, route).toBe(503);
      expect(response.headers.get('retry-after'), route).toBe('300');
    }
  });

  it('serves the index, downloads, the API, pages and the log', async () => {
    const index = await fetch(`${registry.url}/index/acme/widget`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('"1.0.0"');
    const download = await fetch(`${registry.url}/api/v1/packages/acme/widget/1.0.0/download`, { redirect: 'manual' });
    expect([200, 302]).toContain(download.status);
    expect((await fetch(`${registry.url}/api/v1/packages/acme/widget`)).status).toBe(200);
    expect((await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${registry.url}/flock/acme/widget`)).status).toBe(200);
    expect((await fetch(`${registry.url}/log/checkpoint`)).status).toBe(200);
    const ready = await fetch(`${registry.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, readOnly: 'moving to new disks' });
  });

  it('refuses sign-in, sign-up, the device flow, the OIDC exchange and token changes', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const path of ['/login', '/signup']) {
      const page = await fetch(`${registry.url}${path}`, { method: 'POST', body: 'username=newbie&password=correct-horse-battery', headers: form, redirect: 'manual' });
      expect(page.status, path).toBe(503);
      expect(page.headers.get('retry-after')).toBe('300');
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('The registry is read-only: moving to new disks');
    }
    expect(await registry.db.selectFrom('users').select('id').where('username', '=', 'newbie').execute()).toEqual([]);
    for (const [method, path] of [['POST', '/api/v1/device/code'], ['POST', '/api/v1/oidc/exchange'], ['POST', '/api/v1/tokens'], ['DELETE', '/api/v1/tokens/current']] as const) {
      const response = await fetch(`${registry.url}${path}`, { method, body: '{}', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      expect(response.status, `${method} ${path}`).toBe(503);
      expect((await response.json()) as unknown, path).toEqual({ error: 'The registry is read-only: moving to new disks' });
    }
    // The token that asked to revoke itself still works.
    expect((await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe('flock-registry read-only on|off, while the server runs', () => {
  let registry: TestRegistry;
  let token: string;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const operator = (...args: string[]) => runBin(REGISTRY_BIN, args, { cwd: dir.path, env: registry.env });

  beforeAll(async () => {
    dir = await tempDir();
    // Download counts are written every 100 ms, so a write made while read-only would show at once.
    registry = await createTestRegistry({ FLOCK_DOWNLOAD_FLUSH_MS: '100' });
    token = await registry.createUser('acme');
    expect((await put(registry, token, 'acme/widget/1.0.0', await manifestOnlyArchive('acme', 'widget', '1.0.0'))).status).toBe(200);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('the running server notices without a restart; reads go on, downloads are counted once writes are back', async () => {
    expect((await operator('read-only')).stdout).toBe('read-only: off (writes are accepted)\n');
    const on = await operator('read-only', 'on', '--message', 'upgrading the database');
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^read-only: on since \d{4}-\d\d-\d\dT[\d:.]+Z: upgrading the database\n$/);
    await eventually(async () => (await probe(registry, token)).status === 503);

    const blobs = await registry.listBlobs();
    const refused = await put(registry, token, 'acme/widget/1.1.0', await manifestOnlyArchive('acme', 'widget', '1.1.0'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('300');
    expect(await refused.json()).toEqual({ error: 'The registry is read-only: upgrading the database' });
    expect(await versionRows(registry, '1.1.0')).toEqual([]);
    expect(await registry.listBlobs()).toEqual(blobs);

    expect((await fetch(`${registry.url}/index/acme/widget`)).status).toBe(200);
    const download = await fetch(`${registry.url}/api/v1/packages/acme/widget/1.0.0/download`, { redirect: 'manual' });
    expect([200, 302]).toContain(download.status);
    await download.arrayBuffer();
    // Several flush intervals pass: the count stays in memory while the registry is read-only.
    await new Promise((r) => setTimeout(r, 600));
    expect(await registry.db.selectFrom('version_downloads').selectAll().execute()).toEqual([]);
    expect((await operator('read-only')).stdout).toContain(': upgrading the database');

    const off = await operator('read-only', 'off');
    expect(off.stdout).toBe('read-only: off (writes are accepted)\n');
    await eventually(async () => (await probe(registry, token)).status === 400);
    expect((await put(registry, token, 'acme/widget/1.1.0', await manifestOnlyArchive('acme', 'widget', '1.1.0'))).status).toBe(200);
    await eventually(async () => {
      const rows = await registry.db.selectFrom('version_downloads').select('count').execute();
      return rows.length === 1 && Number(rows[0]!.count) === 1;
    });
  });

  it('refuses a bad state or message with one line and changes nothing', async () => {
    const bad = await operator('read-only', 'maybe');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: Invalid state "maybe": expected on or off\n');
    const stray = await operator('read-only', 'off', '--message', 'why');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toBe('error: --message goes with "read-only on"\n');
    const long = await operator('read-only', 'on', '--message', 'x'.repeat(301));
    expect(long.code).toBe(1);
    expect(long.stderr.trim().split('\n')).toHaveLength(1);
    expect(await registry.db.selectFrom('registry_settings').selectAll().execute()).toEqual([]);
  });
});
