import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { REGISTRY_BIN, runBin, spawnRegistry, tempDir, type SpawnedRegistry } from '../../../test-support/cli.js';
import { loadConfig, openRegistry } from '../src/index.js';

// The operator commands of the real binary, on one data folder, while the real server runs on it too.
describe('flock-registry operator commands', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let backend: Backend;
  let server: SpawnedRegistry | undefined;
  let url = '';
  const env = () => ({ FLOCK_DATA_DIR: join(dir.path, 'data'), ...backend.env });
  const op = (...args: string[]) => runBin(REGISTRY_BIN, args, { cwd: dir.path, env: env() });

  beforeAll(async () => {
    dir = await tempDir();
    backend = await createBackend();
    server = await spawnRegistry(env(), dir.path);
    url = server.url;
  });

  afterAll(async () => {
    await server?.stop();
    await backend?.close();
    await dir?.cleanup();
  });

  it('serve answers on 127.0.0.1 with zero configuration', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
  });

  it('user add creates a user and their personal org; token create prints the token alone, which the running server accepts', async () => {
    expect((await op('user', 'add', 'alice')).stdout).toBe('created user alice and organization alice\n');
    const created = await op('token', 'create', '--user', 'alice', '--name', 'laptop');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^flock_[0-9A-Za-z]{38}\n$/);
    const token = created.stdout.trim();
    const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ username: 'alice', orgs: [{ name: 'alice', role: 'owner' }], token: { name: 'laptop', scopes: ['publish', 'yank', 'read'] } });
    // Only a hash is stored: the secret appears in no column, and in no byte of the SQLite files.
    const registry = await openRegistry(loadConfig(env()));
    const rows = await registry.database.db.selectFrom('tokens').selectAll().execute();
    await registry.close();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(token.slice('flock_'.length));
    for (const file of backend.name === 'sqlite' ? ['flock.db', 'flock.db-wal'] : []) {
      const bytes = await readFile(join(dir.path, 'data', file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(token))).toBe(false);
    }
  });

  it('two tokens are never the same', async () => {
    const a = (await op('token', 'create', '--user', 'alice')).stdout;
    const b = (await op('token', 'create', '--user', 'alice')).stdout;
    expect(a).not.toBe(b);
  });

  it('token create never grants manage unless named: only then may the token run the account', async () => {
    const tokens = (token: string) => fetch(`${url}/api/v1/tokens`, { headers: { authorization: `Bearer ${token}` } });
    const plain = (await op('token', 'create', '--user', 'alice', '--name', 'ci')).stdout.trim();
    expect((await tokens(plain)).status).toBe(403);
    const admin = await op('token', 'create', '--user', 'alice', '--name', 'admin', '--scopes', 'read,manage');
    expect(admin.code).toBe(0);
    const listed = await tokens(admin.stdout.trim());
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as Array<{ name: string; scopes: string[] }>).find((t) => t.name === 'admin')?.scopes).toEqual(['read', 'manage']);
  });

  it('org add and org add-member build a shared org', async () => {
    await op('user', 'add', 'bob');
    expect((await op('org', 'add', 'birds', '--owner', 'alice')).stdout).toBe('created organization birds owned by alice\n');
    expect((await op('org', 'add-member', 'birds', 'bob')).stdout).toBe('bob is now a member of birds\n');
    const token = (await op('token', 'create', '--user', 'bob')).stdout.trim();
    const me = (await (await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { orgs: unknown };
    expect(me.orgs).toEqual([{ name: 'birds', role: 'member' }, { name: 'bob', role: 'owner' }]);
    expect((await op('org', 'add-member', 'birds', 'bob', '--role', 'owner')).stdout).toBe('bob is now an owner of birds\n');
  });

  it('user add and org add create reserved names, which users cannot (reserved-names.test.ts)', async () => {
    expect(await op('user', 'add', 'admin')).toMatchObject({ code: 0, stdout: 'created user admin and organization admin\n' });
    expect(await op('org', 'add', 'std', '--owner', 'admin')).toMatchObject({ code: 0, stdout: 'created organization std owned by admin\n' });
    const token = (await op('token', 'create', '--user', 'admin')).stdout.trim();
    const me = (await (await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { orgs: unknown };
    expect(me.orgs).toEqual([{ name: 'admin', role: 'owner' }, { name: 'std', role: 'owner' }]);
  });

  it.each([
    [['user', 'add', 'alice'], 'error: The name "alice" is already taken\n'],
    [['user', 'add', 'ALICE'], 'error: Invalid org name "ALICE": use lowercase ASCII letters, digits and single \'-\', starting with a letter\n'],
    [['org', 'add', 'a-lice', '--owner', 'bob'], 'error: The name "a-lice" is already taken\n'],
    [['org', 'add', 'fish', '--owner', 'nobody'], 'error: No user named "nobody"\n'],
    [['org', 'add-member', 'nowhere', 'bob'], 'error: No organization named "nowhere"\n'],
    [['token', 'create', '--user', 'alice', '--scopes', 'admin'], 'error: Unknown scope "admin": use publish, yank, read, manage\n'],
  ])('%j fails with one clear line', async (args, message) => {
    const result = await op(...args);
    expect(result.stderr).toBe(message);
    expect(result.code).toBe(1);
  });
});
