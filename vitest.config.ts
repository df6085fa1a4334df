import pg from 'pg';
import { defineConfig } from 'vitest/config';
import { postgresAdminUrl } from './test-support/backend.js';

// The integration suite runs twice: on the embedded default (SQLite + a folder)
// and on PostgreSQL + S3 (s3rver), each test registry with its own database.
const integration = ['packages/*/test/**/*.test.ts'];
// Client tests that start no registry (fake servers, local files): the backend cannot matter, so they run once.
const withoutRegistry = ['registry-answers', 'untrusted-input', 'fs-errors', 'usage-errors', 'repo-stands-alone', 'search-capped', 'completions'].map((name) => `packages/cli/test/${name}.test.ts`);
// Layout, colour and accessibility audits at four widths in two schemes: the HTML they look at is the same on
// either backend (pages.test.ts and the other page tests check what each backend puts in it), so they run once.
const layoutOnly = ['pages-responsive', 'rebuild-browser'].map((name) => `packages/registry/test/${name}.test.ts`);

/** Whether PostgreSQL answers; CI (.ci/run makes sure one runs) must have it. */
async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    const message = `PostgreSQL is not reachable at ${postgresAdminUrl()} (${(error as Error).message})`;
    if (process.env.CI) throw new Error(`${message}: CI must run the postgres-s3 suite`);
    const bar = '!'.repeat(78);
    process.stderr.write(`\n${bar}\n!! ${message}.\n!! SKIPPING the whole postgres-s3 run. Start PostgreSQL or set FLOCK_TEST_POSTGRES_URL.\n${bar}\n\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export default defineConfig(async () => ({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn the CLI and servers; two cores is all we have.
    maxWorkers: 2,
    // The AWS SDK's own switch for its notice that later versions need Node 22: once per test
    // process that makes an S3 client, it would fill the output (child processes: see test-support/cli.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      // *.postgres.test.ts need a shared PostgreSQL (replicas, LISTEN/NOTIFY): the postgres-s3 run only.
      { extends: true, test: { name: 'sqlite', include: ['packages/*/src/**/*.test.ts', ...integration], exclude: ['**/*.postgres.test.ts', '**/node_modules/**'] } },
      ...((await postgresReachable())
        ? [{ extends: true, test: { name: 'postgres-s3', include: integration, exclude: [...withoutRegistry, ...layoutOnly, '**/node_modules/**'], env: { FLOCK_TEST_BACKEND: 'postgres-s3' } } }]
        : []),
    ],
  },
}));
