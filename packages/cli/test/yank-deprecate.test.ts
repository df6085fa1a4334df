import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { runFlock } from '../../../test-support/cli.js';
import { createExamplesRegistry, type ExamplesRegistry } from '../../../test-support/examples-registry.js';
import type { TestRegistry } from '../../../test-support/registry.js';

// flock yank --reason and flock deprecate, then installs from a lockfile that pins the yanked
// version: one warning per package on stderr, and the install still works.
describe('flock yank --reason / flock deprecate and the warnings of install', () => {
  let world: ExamplesRegistry;
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let token: string;
  let app: string;
  let n = 0;
  const env = (extra: Record<string, string> = {}) => world.env(extra);
  const flock = (args: string[], cwd = app, extra: Record<string, string> = {}) => runFlock(args, { cwd, env: env(extra) });
  const index = (pkg: string) => world.index(pkg);

  /** A checkout of the app elsewhere (flock.toml and flock.lock, nothing installed), installed there. */
  async function installFromLock() {
    const clone = join(dir.path, `clone-${++n}`);
    await mkdir(clone);
    for (const file of ['flock.toml', 'flock.lock']) await copyFile(join(app, file), join(clone, file));
    const result = await flock(['install'], clone);
    expect(await readFile(join(clone, 'flock.lock'), 'utf8')).toBe(await readFile(join(app, 'flock.lock'), 'utf8'));
    return result;
  }

  beforeAll(async () => {
    world = await createExamplesRegistry();
    ({ registry, dir, token } = world);
    app = join(dir.path, 'app');
    await mkdir(app);
    await writeFile(join(app, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n');
    const added = await flock(['add', 'your-name/banner']);
    expect(added.code, added.stderr).toBe(0);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('nothing yanked or deprecated: an install from the lock warns of nothing', async () => {
    const result = await installFromLock();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('a locked version yanked with a reason: the index carries it, install warns once and exits 0', async () => {
    const yank = await flock(['yank', 'your-name/palette@0.1.0', '--reason', 'parse_hex accepts "#12": use 0.2.0']);
    expect(yank.stderr).toBe('');
    expect(yank.lines).toEqual(['Yanked your-name/palette@0.1.0: parse_hex accepts "#12": use 0.2.0']);
    expect((await index('your-name/palette'))[0]).toMatchObject({ version: '0.1.0', yanked: true, yankReason: 'parse_hex accepts "#12": use 0.2.0' });

    const result = await installFromLock();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('warning: your-name/palette 0.1.0 is yanked: parse_hex accepts "#12": use 0.2.0\n');
    expect(result.lines[0]).toBe('Installed 2 packages (0 downloaded)');

    const show = await flock(['show', 'your-name/palette@0.1.0']);
    expect(show.lines[0]).toBe('your-name/palette 0.1.0 (yanked)');
    expect(show.lines).toContain('yanked: parse_hex accepts "#12": use 0.2.0');
    const json = JSON.parse((await flock(['show', 'your-name/palette@0.1.0', '--json'])).stdout) as { version: { yankReason: string | null } };
    expect(json.version.yankReason).toBe('parse_hex accepts "#12": use 0.2.0');
  });

  it('yanked again without a reason: the warning says only that', async () => {
    expect((await flock(['yank', 'your-name/palette@0.1.0'])).lines).toEqual(['Yanked your-name/palette@0.1.0']);
    expect((await index('your-name/palette'))[0]).not.toHaveProperty('yankReason');
    const result = await installFromLock();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('warning: your-name/palette 0.1.0 is yanked\n');
  });

  it('a deprecated package: every index line says so, install warns once for it, flock show prints it', async () => {
    const deprecate = await flock(['deprecate', 'your-name/banner', '--message', 'use your-name/poster instead']);
    expect(deprecate.stderr).toBe('');
    expect(deprecate.lines).toEqual(['Deprecated your-name/banner: use your-name/poster instead']);
    expect((await index('your-name/banner')).map((l) => l.deprecated)).toEqual(['use your-name/poster instead']);

    const result = await installFromLock();
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'warning: your-name/banner is deprecated: use your-name/poster instead',
      'warning: your-name/palette 0.1.0 is yanked',
    ]);

    expect((await flock(['show', 'your-name/banner'])).lines).toContain('deprecated: use your-name/poster instead');
    const json = JSON.parse((await flock(['show', 'your-name/banner', '--json'])).stdout) as { package: { deprecated: string | null } };
    expect(json.package.deprecated).toBe('use your-name/poster instead');
  });

  it('--undo clears both: the index lines lose the fields', async () => {
    expect((await flock(['yank', 'your-name/palette@0.1.0', '--undo'])).lines).toEqual(['Unyanked your-name/palette@0.1.0']);
    expect((await flock(['deprecate', 'your-name/banner', '--undo'])).lines).toEqual(['your-name/banner is no longer deprecated']);
    expect((await index('your-name/palette'))[0]).toEqual(expect.objectContaining({ yanked: false }));
    expect((await index('your-name/palette'))[0]).not.toHaveProperty('yankReason');
    expect((await index('your-name/banner'))[0]).not.toHaveProperty('deprecated');
  });

  it('after --undo: install warns of nothing, flock show prints no deprecation', async () => {
    const result = await installFromLock();
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect((await flock(['show', 'your-name/banner'])).lines.some((l) => l.startsWith('deprecated:'))).toBe(false);
  });

  // One process each: a loaded machine runs a flock process in seconds.
  it.each<[string, string[], RegExp]>([
    ['a reason of two lines', ['yank', 'your-name/palette@0.1.0', '--reason', 'two\nlines'], /^The yank reason must be one line without control characters$/],
    ['a reason of 501 characters', ['yank', 'your-name/palette@0.1.0', '--reason', 'x'.repeat(501)], /^The yank reason is 501 characters; at most 500$/],
    ['a blank reason', ['yank', 'your-name/palette@0.1.0', '--reason', '  '], /^The yank reason is empty$/],
    ['yank --undo with a reason', ['yank', 'your-name/palette@0.1.0', '--undo', '--reason', 'x'], /--undo clears the reason/],
    ['deprecate without a message', ['deprecate', 'your-name/banner'], /^Say why with --message/],
    ['a message with an escape sequence', ['deprecate', 'your-name/banner', '--message', 'esc \u001b[31m'], /^The deprecation message must be one line without control characters$/],
    ['deprecate --message with --undo', ['deprecate', 'your-name/banner', '--message', 'x', '--undo'], /^Use either --message or --undo/],
  ])('bad input (%s): one line on stderr, non-zero, nothing changed', async (_what, args, message) => {
    const before = [await index('your-name/palette'), await index('your-name/banner')];
    const result = await flock(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^[^\n]+\n$/);
    expect(result.stderr.trim()).toMatch(message);
    expect([await index('your-name/palette'), await index('your-name/banner')]).toEqual(before);
  });

  const other = async () => {
    const home = join(dir.path, 'cyd-home');
    if (!existsSync(home)) {
      await mkdir(home);
      otherToken = await registry.createUser('cyd');
    }
    return { FLOCK_TOKEN: otherToken, HOME: home };
  };
  let otherToken = '';

  it('a non-member is refused in one line', async () => {
    const refused = await flock(['deprecate', 'your-name/banner', '--message', 'mine'], app, await other());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('Cannot deprecate your-name/banner: Not a member of this organization\n');
    const yank = await flock(['yank', 'your-name/palette@0.1.0', '--reason', 'mine'], app, await other());
    expect(yank.stderr).toBe('Cannot yank your-name/palette@0.1.0: Not a member of this organization\n');
  });

  it('of a private package, an outsider finds nothing; its owner may', async () => {
    const published = await fetch(`${registry.url}/api/v1/packages/your-name/hidden/1.0.0`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: await manifestOnlyArchive('your-name', 'hidden', '1.0.0'),
    });
    expect(published.status).toBe(200);
    const privateNow = await fetch(`${registry.url}/api/v1/packages/your-name/hidden/visibility`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'private' }),
    });
    expect(privateNow.status).toBe(200);
    const hidden = await flock(['deprecate', 'your-name/hidden', '--message', 'mine'], app, await other());
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toBe('Cannot deprecate your-name/hidden: Package your-name/hidden not found\n');
    const hiddenYank = await flock(['yank', 'your-name/hidden@1.0.0', '--reason', 'mine'], app, await other());
    expect(hiddenYank.stderr).toBe('Cannot yank your-name/hidden@1.0.0: Package your-name/hidden not found\n');
    expect((await flock(['deprecate', 'your-name/hidden', '--message', 'internal only'])).code).toBe(0);
  });
});
