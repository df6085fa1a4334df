import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { loadConfig, startServer, type RunningServer } from '../src/index.js';
import { migrationProvider } from '../src/db/migrations/index.js';

// A registry that already holds look-alike packages (published before the check) upgrades cleanly:
// the oldest keeps the folded key, the others stay publishable, and no new look-alike gets in.
describe('migration 0007 on a registry with look-alike packages', () => {
  let dataDir: string;
  let backend: Backend;
  let server: RunningServer;
  let token: string;

  /** The database at migration 0006, with rows as the registry of that time wrote them. */
  async function seedBefore0007(databaseUrl: string): Promise<void> {
    const dialect = databaseUrl.startsWith('sqlite:')
      ? new SqliteDialect({ database: new SQLite(databaseUrl.slice('sqlite:'.length)) })
      : new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) });
    const db = new Kysely<any>({ dialect });
    try {
      const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('0006_rate_limits');
      if (error) throw error;
      const at = (n: number) => `2026-01-0${n}T00:00:00.000Z`;
      await db.insertInto('users').values({ id: 'u1', username: 'acme', username_key: 'acme', github_id: null, password_hash: null, created_at: at(1) }).execute();
      await db.insertInto('orgs').values([
        { id: 'o1', name: 'acme', name_key: 'acme', kind: 'personal', created_at: at(1) },
        { id: 'o2', name: 'other', name_key: 'other', kind: 'shared', created_at: at(1) },
      ]).execute();
      await db.insertInto('memberships').values({ org_id: 'o1', user_id: 'u1', role: 'owner', created_at: at(1) }).execute();
      const pkg = (id: string, org: string, name: string, day: number) => ({ id, org_id: org, name, visibility: 'public', description: null, created_at: at(day), updated_at: at(day) });
      // The middle one is the oldest: creation time decides, not the order of the rows.
      await db.insertInto('packages').values([
        pkg('p1', 'o1', 'foobar', 3), pkg('p2', 'o1', 'foo-bar', 2), pkg('p3', 'o1', 'fo-obar', 4), pkg('p4', 'o1', 'palette', 5), pkg('p5', 'o2', 'foobar', 6),
      ]).execute();
    } finally {
      await db.destroy();
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'flock-test-migration-'));
    backend = await createBackend();
    const config = loadConfig({ FLOCK_DATA_DIR: dataDir, FLOCK_PORT: '0', ...backend.env });
    await seedBefore0007(config.databaseUrl);
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    token = await server.registry.services.tokens.create({ userId: 'u1', name: 'test' }).then((t) => t.token);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const publish = async (name: string, version: string) => {
    const response = await fetch(`${server.url}/api/v1/packages/acme/${name}/${version}`, {
      method: 'PUT', body: await manifestOnlyArchive('acme', name, version), headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  };

  it('fills name_key: the oldest look-alike holds the folded key, later ones a key no name folds to', async () => {
    const rows = await server.registry.database.db.selectFrom('packages').select(['id', 'name_key']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'p1', name_key: 'foobar:p1' }, { id: 'p2', name_key: 'foobar' }, { id: 'p3', name_key: 'foobar:p3' },
      { id: 'p4', name_key: 'palette' }, { id: 'p5', name_key: 'foobar' },
    ]);
  });

  it('keeps every existing look-alike publishable and refuses new ones, naming the oldest', async () => {
    for (const name of ['foobar', 'foo-bar', 'fo-obar', 'palette']) expect((await publish(name, '9.0.0')).status).toBe(200);
    expect(await publish('foob-ar', '1.0.0')).toEqual({ status: 409, body: { error: 'Package name foob-ar is too similar to the existing acme/foo-bar' } });
  });
});
