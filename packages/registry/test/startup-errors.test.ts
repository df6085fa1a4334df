import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, runBin, tempDir, type RunResult } from '../../../test-support/cli.js';
import { startTestS3 } from '../../../test-support/s3.js';

function listenOn(port = 0): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

/** One line on stderr, no stack trace, a non-zero exit. */
function expectOneLine(result: RunResult): string {
  expect(result.code).not.toBe(0);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  return result.stderr.trim();
}

// The real `flock-registry serve`, refusing to start: the operator reads one line naming the setting to fix.
describe('flock-registry serve: settings that cannot work', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir?.cleanup());

  const serve = (args: string[], env: Record<string, string> = {}) =>
    runBin(REGISTRY_BIN, ['serve', ...args], { cwd: dir.path, env: { FLOCK_DATA_DIR: join(dir.path, 'data'), ...env } });

  it('a port in use names FLOCK_PORT and --port', async () => {
    const taken = await listenOn();
    try {
      const line = expectOneLine(await serve(['--port', String(portOf(taken))]));
      expect(line).toBe(`error: Cannot listen on 127.0.0.1:${portOf(taken)}: the port is in use; choose another with FLOCK_PORT or --port`);
    } finally {
      taken.close();
    }
  });

  it('a malformed FLOCK_SECRET_KEY is named, with what it must be', async () => {
    const line = expectOneLine(await serve(['--port', '0'], { FLOCK_SECRET_KEY: 'not-a-key' }));
    expect(line).toBe('error: Invalid FLOCK_SECRET_KEY: a key must be 32 bytes, as 64 hex characters or base64');
  });

  it('an unreachable database names FLOCK_DATABASE_URL and the cause, never the password', async () => {
    const free = await listenOn();
    const port = portOf(free);
    await new Promise((resolve) => free.close(resolve));
    const line = expectOneLine(await serve(['--port', '0'], { FLOCK_DATABASE_URL: `postgres://flock:hunter2@127.0.0.1:${port}/flock` }));
    expect(line).toBe(`error: Cannot use the database in FLOCK_DATABASE_URL (postgres://…@127.0.0.1:${port}/flock): unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe('flock-registry on an S3 store under Node 20', () => {
  it("keeps stderr free of the AWS SDK's Node-version notice (test-support passes the SDK's own switch)", async () => {
    const dir = await tempDir();
    const s3 = await startTestS3();
    try {
      const result = await runBin(REGISTRY_BIN, ['user', 'add', 'quiet'], {
        cwd: dir.path,
        env: { FLOCK_DATA_DIR: join(dir.path, 'data'), FLOCK_BLOB_STORE: s3.storeUrl('quiet'), AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey },
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
    } finally {
      await s3.close();
      await dir.cleanup();
    }
  });
});
