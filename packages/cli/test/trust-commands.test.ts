import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlock, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('flock trust and flock settings', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  const flock = (...args: string[]) => runFlock(args, { cwd: dir.path, env });

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'));
    env = { HOME: join(dir.path, 'home'), FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: await registry.createUser('ada') };
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('adds (audience defaults to the registry origin), lists and removes trusted publishers', async () => {
    const added = await flock('trust', 'add', 'ada/widget', '--issuer', 'https://ci.example', '--claim', 'repository=ada/widget', '--claim', 'ref=refs/heads/main', '--json');
    expect([added.code, added.stderr]).toEqual([0, '']);
    const dto = JSON.parse(added.stdout) as { id: string; audience: string; claims: Record<string, string>; pending: boolean };
    expect([dto.audience, dto.claims, dto.pending]).toEqual([new URL(registry.url).origin, { ref: 'refs/heads/main', repository: 'ada/widget' }, true]);
    const text = await flock('trust', 'add', 'ada', '--issuer', 'https://ci.example', '--audience', 'flock', '--claim', 'repository=ada/mono');
    expect(text.code).toBe(0);
    expect(text.lines[0]).toMatch(/^Added trusted publisher \S+ for ada\/\*: https:\/\/ci\.example, audience flock, rules repository=ada\/mono$/);
    const list = await flock('trust', 'list', 'ada/widget');
    expect(list.lines[0]).toMatch(/^ID\s+PACKAGE\s+ISSUER\s+AUDIENCE\s+RULES$/);
    expect(list.lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['widget', '*']);
    expect(list.stdout).toContain('pending');
    const removed = await flock('trust', 'remove', 'ada', dto.id);
    expect([removed.code, removed.stdout]).toEqual([0, `Removed trusted publisher ${dto.id} from ada; its unused short-lived tokens no longer work\n`]);
    expect(JSON.parse((await flock('trust', 'list', 'ada', '--json')).stdout)).toHaveLength(1);
  });

  it('bad input: one line, exit 1, nothing stored', async () => {
    const before = await registry.db.selectFrom('trusted_publishers').select('id').execute();
    const cases: Array<[string[], string]> = [
      [['trust', 'add', 'ada', '--issuer', 'http://ci.example', '--claim', 'a=b'], 'Cannot add a trusted publisher to ada: issuer must be an https URL\n'],
      [['trust', 'add', 'ada', '--issuer', 'https://ci.example'], 'Cannot add a trusted publisher to ada: claims needs at least one rule, e.g. repository=acme/palette: without one, anyone the issuer signs for could publish\n'],
      [['trust', 'add', 'ada', '--issuer', 'https://ci.example', '--claim', 'novalue'], 'Cannot add a trusted publisher to ada: --claim "novalue" is not name=value\n'],
      [['trust', 'add', 'ada', '--claim', 'a=b'], 'Cannot add a trusted publisher to ada: give the issuer with --issuer URL, e.g. --issuer https://token.actions.githubusercontent.com\n'],
      [['trust', 'remove', 'ada', 'nope'], 'Cannot remove trusted publisher nope: No such trusted publisher\n'],
      [['settings', 'ada/widget', '--hold-unusual', 'on'], 'Cannot change the settings of ada/widget: --hold-unusual is an org setting (flock settings ada --hold-unusual on)\n'],
      [['settings', 'ada', '--hold-unusual', 'maybe'], 'Cannot change the settings of ada: --hold-unusual takes on or off, not "maybe"\n'],
    ];
    for (const [args, stderr] of cases) {
      const result = await flock(...args);
      expect([args.join(' '), result.code, result.stderr, result.stdout]).toEqual([args.join(' '), 1, stderr, '']);
    }
    expect(await registry.db.selectFrom('trusted_publishers').select('id').execute()).toEqual(before);
  });

  it('flock settings shows and sets the org settings', async () => {
    expect((await flock('settings', 'ada')).stdout).toBe('ada: trusted-publishing-only off, hold-unusual off\n');
    const set = await flock('settings', 'ada', '--trusted-publishing-only', 'on', '--hold-unusual', 'on', '--json');
    expect([set.code, JSON.parse(set.stdout)]).toEqual([0, { trustedPublishingOnly: true, holdUnusual: true }]);
    const org = await registry.db.selectFrom('orgs').select(['trusted_publishing_only', 'hold_unusual']).where('name', '=', 'ada').executeTakeFirstOrThrow();
    expect(org).toEqual({ trusted_publishing_only: 1, hold_unusual: 1 });
    const missing = await flock('settings', 'ada/nothing');
    expect([missing.code, missing.stderr]).toEqual([1, 'Cannot show the settings of ada/nothing: Package ada/nothing not found\n']);
  });
});
