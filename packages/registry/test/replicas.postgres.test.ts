import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewTokenDto } from '@flock/core';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { copyExample, REGISTRY_BIN, runBin, runFlock, spawnRegistry, tempDir, type SpawnedRegistry } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';

// Replicas share one PostgreSQL and one S3 store (*.postgres.test.ts run in the postgres-s3 project only).
describe('two replicas on one PostgreSQL and one S3 store', () => {
  let backend: Backend;
  let dir: { path: string; cleanup(): Promise<void> };
  let a: SpawnedRegistry;
  let b: SpawnedRegistry;
  let token: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    backend = await createBackend();
    dir = await tempDir();
    // Every replica gets the same settings, as behind a load balancer; each its own (unused) data folder.
    const shared = { ...backend.env, FLOCK_SECRET_KEY: randomBytes(32).toString('hex'), FLOCK_LOG_LEVEL: 'warn' };
    [a, b] = await Promise.all([
      spawnRegistry({ ...shared, FLOCK_DATA_DIR: join(dir.path, 'a') }, dir.path),
      spawnRegistry({ ...shared, FLOCK_DATA_DIR: join(dir.path, 'b') }, dir.path),
    ]);
    await runBin(REGISTRY_BIN, ['user', 'add', 'your-name'], { cwd: dir.path, env: { ...shared, FLOCK_DATA_DIR: join(dir.path, 'op') } });
    // manage as well: the revocation test below mints and revokes a token with it.
    token = (await runBin(REGISTRY_BIN, ['token', 'create', '--user', 'your-name', '--scopes', 'publish,yank,read,manage'], { cwd: dir.path, env: { ...shared, FLOCK_DATA_DIR: join(dir.path, 'op') } })).stdout.trim();
    env = { HOME: join(dir.path, 'home'), FLOCK_TOKEN: token };
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await backend?.close();
    await dir?.cleanup();
  });

  it('a version published through one replica is served by the other, its bytes from the shared store', async () => {
    const palette = await copyExample('palette', dir.path);
    const published = await publishProject(palette, { ...env, FLOCK_REGISTRY: a.url });
    expect(published.code).toBe(0);
    const checksum = (JSON.parse(published.lines[2]!) as { checksum: string }).checksum;

    const meta = (await (await fetch(`${b.url}/api/v1/packages/your-name/palette`)).json()) as { latest: string };
    expect(meta.latest).toBe('0.1.0');
    const download = await fetch(`${b.url}/api/v1/packages/your-name/palette/0.1.0/download`);
    expect(download.redirected).toBe(true);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(checksum);
  });

  it("a version published through one replica is in the other's warm index and search at once, and installs through it", async () => {
    const indexOn = async (base: string) => (await (await fetch(`${base}/index/your-name/palette`)).text()).trim().split('\n');
    expect(await indexOn(b.url)).toHaveLength(1); // B's index entry is now cached
    const palette = await copyExample('palette', join(dir.path, 'second'));
    const toml = join(palette, 'flock.toml');
    await writeFile(toml, (await readFile(toml, 'utf8')).replace('version = "0.1.0"', 'version = "0.2.0"'));
    expect((await publishProject(palette, { ...env, FLOCK_REGISTRY: a.url })).code).toBe(0);
    // A's NOTIFY reaches B's LISTEN: B drops its cached entry. Waiting is bounded (the one second), not timed.
    await expect.poll(async () => (await indexOn(b.url)).map((l) => (JSON.parse(l) as { version: string }).version), { timeout: 1000, interval: 50 })
      .toEqual(['0.1.0', '0.2.0']);
    const search = (await (await fetch(`${b.url}/api/v1/search?q=palette`)).json()) as { hits: Array<{ name: string; version: string }> };
    expect(search.hits[0]).toMatchObject({ name: 'palette', version: '0.2.0' });

    const app = join(dir.path, 'app');
    await mkdir(app);
    await writeFile(join(app, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n');
    const added = await runFlock(['add', 'your-name/palette'], { cwd: app, env: { ...env, FLOCK_REGISTRY: b.url } });
    expect(added.code, added.stderr).toBe(0);
    const lock = await readFile(join(app, 'flock.lock'), 'utf8');
    expect(lock).toContain('version = "0.2.0"');
    expect(lock).toMatch(/checksum = "sha256:[0-9a-f]{64}"/);
  });

  it('a session started on one replica works on the other, and signing out on the other ends it', async () => {
    const signUp = await fetch(`${a.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=roamer&password=a+long+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: a.url },
    });
    expect(signUp.status).toBe(303);
    const cookie = signUp.headers.getSetCookie().find((c) => c.startsWith('flock_session='))!.split(';')[0]!;
    const account = await fetch(`${b.url}/account`, { headers: { cookie }, redirect: 'manual' });
    expect(account.status).toBe(200);
    expect(await account.text()).toContain('roamer');
    const page = await (await fetch(`${b.url}/account`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${b.url}/logout`, { method: 'POST', redirect: 'manual', body: `_csrf=${csrf}`, headers: { cookie, origin: b.url, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(out.status).toBe(303);
    expect((await fetch(`${a.url}/account`, { headers: { cookie }, redirect: 'manual' })).status).not.toBe(200);
  });

  it('a token revoked through one replica stops working on the other', async () => {
    const created = (await (await fetch(`${a.url}/api/v1/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'short-lived', scopes: ['read'] }),
    })).json()) as NewTokenDto;
    const me = (base: string) => fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${created.token}` } });
    expect((await me(b.url)).status).toBe(200);
    expect((await fetch(`${a.url}/api/v1/tokens/${created.info.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The revoke answers once the NOTIFY is sent; B hears it on its LISTEN connection moments later (bounded wait).
    await expect.poll(async () => (await me(b.url)).json(), { timeout: 1000, interval: 20 }).toEqual({ error: 'Invalid token' });
  });
});
