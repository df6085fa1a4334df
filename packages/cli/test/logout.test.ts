import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/postgres-cluster.js';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('flock logout', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let n = 0;

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  /** A HOME with `token` saved in ~/.kestrel/credentials, as flock login leaves it. */
  async function loggedIn(token: string | null) {
    const home = join(dir.path, `home-${++n}`);
    await mkdir(join(home, '.kestrel'), { recursive: true });
    const credentials = join(home, '.kestrel', 'credentials');
    if (token !== null) await writeFile(credentials, `${token}\n`, { mode: 0o600 });
    return { home, credentials, env: { HOME: home, FLOCK_REGISTRY: registry.url } };
  }
  const works = async (token: string) => (await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status === 200;

  it('removes the saved token and says so; the token itself still works at the registry', async () => {
    const token = await registry.createUser('erin');
    const { credentials, env } = await loggedIn(token);
    const result = await runFlock(['logout'], { cwd: dir.path, env });
    expect(result).toMatchObject({ code: 0, stdout: `Logged out: removed the token from ${credentials}\n`, stderr: '' });
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
    expect(await works(token)).toBe(true);
    expect((await runFlock(['whoami'], { cwd: dir.path, env })).code).not.toBe(0);
  });

  it('--revoke revokes it at the registry first (a token without the manage scope may), then removes it', async () => {
    const token = await registry.withServices(async (s) => {
      const user = await s.accounts.createUser({ username: 'frank' });
      return (await s.tokens.create({ userId: user.id, name: 'flock on laptop', scopes: ['read'] })).token;
    });
    const { credentials, env } = await loggedIn(token);
    const result = await runFlock(['logout', '--revoke'], { cwd: dir.path, env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.lines).toEqual([`Revoked the token at ${registry.url}`, `Logged out: removed the token from ${credentials}`]);
    expect(await works(token)).toBe(false);
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
  });

  it('--revoke with a token that no longer works still logs out', async () => {
    const { credentials, env } = await loggedIn('flock_000000000000000000000000000000000000AAAAAA');
    const result = await runFlock(['logout', '--revoke'], { cwd: dir.path, env });
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([`The token no longer worked at ${registry.url}`, `Logged out: removed the token from ${credentials}`]);
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
  });

  it('--revoke when the registry cannot be reached: one line, exit 1, the token stays saved', async () => {
    const token = await registry.createUser('grace');
    const { credentials, env } = await loggedIn(token);
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const result = await runFlock(['logout', '--revoke'], { cwd: dir.path, env: { ...env, FLOCK_REGISTRY: unreachable } });
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `Could not reach the registry at ${unreachable} (ECONNREFUSED)\n` });
    expect((await stat(credentials)).isFile()).toBe(true);
  });

  it('without a saved token: "Not logged in", exit 0; a set FLOCK_TOKEN is mentioned, since it still signs every command', async () => {
    const { env } = await loggedIn(null);
    expect(await runFlock(['logout'], { cwd: dir.path, env })).toMatchObject({ code: 0, stdout: 'Not logged in\n', stderr: '' });
    const withEnv = await runFlock(['logout'], { cwd: dir.path, env: { ...env, FLOCK_TOKEN: 'flock_x' } });
    expect(withEnv).toMatchObject({ code: 0, stdout: 'Not logged in\n', stderr: 'FLOCK_TOKEN is still set: commands keep using that token until you unset it.\n' });
  });

  it('--help lists logout and login --web', async () => {
    const help = await runFlock(['--help'], { cwd: dir.path });
    expect(help.stdout).toMatch(/logout .*Remove the saved token/);
    expect((await runFlock(['login', '--help'], { cwd: dir.path })).stdout).toContain('--web');
  });
});
