import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startTestS3, type TestS3 } from '../../../test-support/s3.js';

const SECRET = 'cli-secret/never+printed';

describe('flock org store', () => {
  let registry: TestRegistry;
  let s3: TestS3;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;

  beforeAll(async () => {
    registry = await createTestRegistry();
    s3 = await startTestS3('team-catalog');
    dir = await tempDir();
    env = { HOME: dir.path, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: await registry.createUser('your-name') };
  });
  afterAll(async () => {
    await registry?.close();
    await s3?.close();
    await dir?.cleanup();
  });

  const flock = (args: string[], input?: string) => runFlock(args, { cwd: dir.path, env, ...(input === undefined ? {} : { input }) });

  it('set reads the secret from stdin, checks the store and never prints the secret', async () => {
    const result = await flock(['org', 'store', 'set', 'your-name', '--endpoint', s3.endpoint, '--bucket', 'team-catalog', '--prefix', 'pkgs', '--access-key-id', 'S3RVER'], `${SECRET}\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^your-name stores its packages in s3://team-catalog/pkgs at ${s3.endpoint.replace(/\./g, '\\.')} \\(us-east-1\\); configured, last checked \\d{4}-`));
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    const show = await flock(['org', 'store', 'show', 'your-name']);
    expect(show.stdout).toContain('your-name stores its packages in s3://team-catalog/pkgs');
    const json = await flock(['org', 'store', 'show', 'your-name', '--json']);
    expect([json.code, json.stderr]).toEqual([0, '']);
    const parsed = JSON.parse(json.stdout);
    expect(Object.keys(parsed)).toEqual(['configured', 'endpoint', 'bucket', 'region', 'prefix', 'checkedAt']);
    expect(parsed).toMatchObject({ configured: true, endpoint: s3.endpoint, bucket: 'team-catalog', region: 'us-east-1', prefix: 'pkgs' });
    expect(json.stdout).not.toContain(SECRET);
  });

  it('a publish then lands in that store, and remove is refused while it holds the version', async () => {
    const palette = await copyExample('palette', dir.path);
    const published = await publishProject(palette, env);
    expect(published.code).toBe(0);
    const removed = await flock(['org', 'store', 'remove', 'your-name']);
    expect(removed.stderr).toBe('Cannot remove the store of your-name: The store of your-name still holds 1 version; it cannot be removed\n');
    expect(removed.code).toBe(1);
  });

  it('set without its flags, or without a secret, fails with one line', async () => {
    const missing = await flock(['org', 'store', 'set', 'your-name', '--endpoint', s3.endpoint], `${SECRET}\n`);
    expect(missing.stderr).toBe('Missing --bucket, --access-key-id\n');
    expect(missing.code).toBe(1);
    const noSecret = await flock(['org', 'store', 'set', 'your-name', '--endpoint', s3.endpoint, '--bucket', 'team-catalog', '--access-key-id', 'S3RVER'], '');
    expect(noSecret.stderr).toBe('No secret access key given on stdin.\n');
  });
});
