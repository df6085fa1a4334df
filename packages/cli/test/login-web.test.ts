import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, startFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The registry's clock runs in real time (polls are timed) and is moved ahead by the expiry test.
let offset = 0;
const clock = () => new Date(Date.now() + offset);
const PROMPT = /Open (\S+) and enter the code ([A-Z]{4}-[A-Z]{4})\n/;

// The real `flock login --web` polling a real registry; the browser's part is played by the
// service the /device page calls (the Chromium test in packages/registry does it in a browser).
describe('flock login --web', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let n = 0;
  /** Every CLI started, so a failed test leaves none polling. */
  const started: Array<{ signal(name: NodeJS.Signals): void; result: Promise<unknown> }> = [];

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_DEVICE_POLL_INTERVAL: '1' }, { clock });
    dir = await tempDir();
  });
  afterAll(async () => {
    for (const cli of started) cli.signal('SIGKILL');
    await Promise.all(started.map((cli) => cli.result));
    await registry?.close();
    await dir?.cleanup();
  });

  async function start() {
    const home = join(dir.path, `home-${++n}`);
    const env = { HOME: home, FLOCK_REGISTRY: registry.url };
    const cli = await startFlock(['login', '--web'], { cwd: dir.path, env });
    started.push(cli);
    const [, url, userCode] = await cli.stderrMatch(PROMPT);
    return { cli, url: url!, userCode: userCode!, home, env, credentials: join(home, '.kestrel', 'credentials') };
  }

  const decide = (username: string, userCode: string, decision: { approve: true; scopes: Array<'read' | 'publish' | 'yank' | 'manage'> } | { approve: false }) =>
    registry.withServices(async (s) => {
      const user = await s.accounts.createUser({ username });
      await s.deviceCodes.decide({ userId: user.id, username, token: null }, userCode, decision);
    });

  it('prints the page and the code, waits for the approval, saves the token privately and it works', async () => {
    const { cli, url, userCode, env, credentials } = await start();
    expect(url).toBe(`${registry.url}/device?code=${userCode}`);
    await decide('carol', userCode, { approve: true, scopes: ['read', 'yank'] });
    const result = await cli.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Logged in as carol; token saved to ${credentials}\n`);
    expect(result.stderr).toBe(`Open ${url} and enter the code ${userCode}\nWaiting for the browser… (Ctrl-C to stop)\n`);
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    const whoami = await runFlock(['whoami'], { cwd: dir.path, env });
    expect(whoami).toMatchObject({ code: 0, stdout: 'carol\n  carol (owner)\n' });
    const me = await registry.db.selectFrom('tokens').innerJoin('users', 'users.id', 'tokens.user_id').select(['tokens.name', 'tokens.scopes']).where('users.username', '=', 'carol').execute();
    expect(me).toEqual([{ name: `flock on ${hostname()}`, scopes: 'read,yank' }]);
  });

  it('denied in the browser: one line, exit 1, nothing saved', async () => {
    const { cli, userCode, credentials } = await start();
    await decide('dave', userCode, { approve: false });
    const result = await cli.result;
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe('The sign-in was denied in the browser; nothing was saved.');
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
  });

  it('an expired code: one line, exit 1, nothing saved', async () => {
    const { cli, credentials } = await start();
    offset += 601_000;
    const result = await cli.result;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n').at(-1)).toBe('The code expired before it was approved: run flock login --web again');
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
  });

  it('Ctrl-C stops waiting at once: exit 130, nothing saved', async () => {
    const { cli, credentials } = await start();
    await cli.stderrMatch(/Waiting for the browser/);
    cli.signal('SIGINT');
    const result = await cli.result;
    expect(result.code).toBe(130);
    expect(result.stderr.trim().split('\n').at(-1)).toBe('Stopped waiting; nothing was saved.');
    await expect(stat(credentials)).rejects.toThrow(/ENOENT/);
  });
});
