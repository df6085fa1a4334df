import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig, openRegistry, startServer, type Config } from '../packages/registry/src/index.js';
import { SCOPES } from '../packages/registry/src/auth/principal.js';
import { createBackend } from './backend.js';

export interface TestRegistry {
  url: string;
  dataDir: string;
  config: Readonly<Config>;
  /** The FLOCK_* (and AWS_*) settings this registry runs with: a `flock-registry` child process given them works on the same database and store. */
  env: Record<string, string>;
  /** The same database the server uses, for assertions on what was (not) stored. */
  db: Awaited<ReturnType<typeof openRegistry>>['database']['db'];
  /** SQLite: the server's read-only connection on its own thread (null on PostgreSQL). */
  sqliteReader: Awaited<ReturnType<typeof openRegistry>>['database']['reader'];
  /** Every key in the blob store, sorted. */
  listBlobs(): Promise<string[]>;
  /** Creates a user (and their personal org) and returns a token with every scope, manage included (tests of refusals mint narrower ones). */
  createUser(name: string): Promise<string>;
  /** The running server's services, for set-up, assertions and resetting caches. */
  withServices<T>(run: (services: Awaited<ReturnType<typeof openRegistry>>['services']) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A real registry on 127.0.0.1 with a fresh database and blob store: SQLite and
 * a folder, or (FLOCK_TEST_BACKEND=postgres-s3) its own PostgreSQL database and
 * an s3rver bucket.
 * `env` adds FLOCK_* settings (limits, …) as an operator would.
 */
export async function createTestRegistry(
  env: Record<string, string> = {},
  options: { logs?: string[]; clock?: () => Date } = {},
): Promise<TestRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flock-test-registry-'));
  const backend = await createBackend();
  const settings = { FLOCK_DATA_DIR: dataDir, ...backend.env, ...env };
  const config = loadConfig({ FLOCK_PORT: '0', ...settings });
  // With `logs`, every JSON log line is collected there (to check what is never logged).
  const logger = options.logs
    ? pino({ level: 'debug' }, { write: (chunk: string) => void options.logs!.push(...chunk.split('\n').filter(Boolean)) })
    : pino({ level: 'silent' });
  // A fixed clock keeps time-window tests (rate limits) off window boundaries.
  const server = await startServer(config, { logger, ...(options.clock ? { clock: options.clock } : {}) });
  // The server's own services: set-up and assertions see (and can reset) exactly its caches.
  const setup = server.registry;
  return {
    url: server.url,
    dataDir,
    config,
    env: settings,
    db: setup.database.db,
    sqliteReader: setup.database.reader,
    listBlobs: () => backend.listBlobs(dataDir),
    async createUser(name) {
      const user = await setup.services.accounts.createUser({ username: name });
      return (await setup.services.tokens.create({ userId: user.id, name: 'test', scopes: [...SCOPES] })).token;
    },
    withServices: (run) => run(setup.services),
    async close() {
      await server.close();
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
