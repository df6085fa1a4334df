import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, runFlock, tempDir } from '../../../test-support/cli.js';
import { publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const TOKEN = /^flock_[0-9A-Za-z]{38}$/;

describe('flock org and flock token against a real registry', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let home: string;
  let alice: string;
  let bob: string;
  let palette: string;
  const env = (token: string, extra: Record<string, string> = {}) => ({ HOME: home, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: token, ...extra });
  const flock = (token: string, ...args: string[]) => runFlock(args, { cwd: dir.path, env: env(token) });

  /** A copy of palette at `version`, so each publish is a new version. */
  async function paletteAt(version: string): Promise<string> {
    const target = join(dir.path, `palette-${version}`);
    await mkdir(target);
    const copy = await copyExample('palette', target);
    const toml = await readFile(join(copy, 'flock.toml'), 'utf8');
    await writeFile(join(copy, 'flock.toml'), toml.replace('version = "0.1.0"', `version = "${version}"`));
    return copy;
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    home = join(dir.path, 'home');
    await mkdir(home);
    alice = await registry.createUser('alice');
    bob = await registry.createUser('bob');
    await registry.createUser('carol');
    palette = await copyExample('palette', dir.path);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('flock org create makes a shared org owned by its creator; taken and reserved names are refused', async () => {
    const created = await flock(alice, 'org', 'create', 'team');
    expect(created.stdout).toBe('Created organization team\n');
    expect(created.code).toBe(0);
    for (const taken of ['team', 'b-o-b', 'te-am']) {
      const again = await flock(alice, 'org', 'create', taken);
      expect(again.stderr.trim(), taken).toBe(`Cannot create organization ${taken}: The name "${taken}" is already taken`);
      expect(again.code).not.toBe(0);
    }
    const reserved = await flock(alice, 'org', 'create', 'admin');
    expect(reserved.stderr).toBe('Cannot create organization admin: The name "admin" is reserved\n');
    expect(reserved.code).not.toBe(0);
    const bad = await flock(alice, 'org', 'create', 'Bad_Name');
    expect(bad.stderr).toContain('Invalid org name');
    const orgs = await registry.db.selectFrom('orgs').select('name').where('kind', '=', 'shared').execute();
    expect(orgs.map((o) => o.name)).toEqual(['team']);
  });

  it('a non-member cannot publish; once added they can; once removed they cannot', async () => {
    const outsider = await publishProject(palette, env(bob, { FLOCK_ORG: 'team' }));
    expect(outsider.lines.at(-1)).toBe('{"error":"Not a member of this organization"}');
    expect(outsider.code).not.toBe(0);

    const added = await flock(alice, 'org', 'add', 'team', 'bob');
    expect(added.stdout).toBe('Added bob to team as member\n');
    const members = await flock(bob, 'org', 'members', 'team');
    expect(members.lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['alice owner', 'bob member']);
    const published = await publishProject(palette, env(bob, { FLOCK_ORG: 'team' }));
    expect(published.code).toBe(0);

    const notOwner = await flock(bob, 'org', 'add', 'team', 'carol');
    expect(notOwner.stderr).toBe('Cannot add carol to team: Only an owner of team can do that\n');

    expect((await flock(alice, 'org', 'remove', 'team', 'bob')).code).toBe(0);
    const removed = await publishProject(await paletteAt('0.2.0'), env(bob, { FLOCK_ORG: 'team' }));
    expect(removed.lines.at(-1)).toBe('{"error":"Not a member of this organization"}');
    const outsiderList = await flock(bob, 'org', 'members', 'team');
    expect(outsiderList.stderr).toBe('Cannot list the members of team: Not a member of this organization\n');
  });

  it('the last owner can neither leave nor be removed; with a second owner they can leave', async () => {
    const leave = await flock(alice, 'org', 'leave', 'team');
    expect(leave.stderr).toBe('Cannot leave team: The last owner of team cannot leave; make someone else an owner first\n');
    const remove = await flock(alice, 'org', 'remove', 'team', 'alice');
    expect(remove.stderr).toBe('Cannot remove alice from team: The last owner of team cannot be removed\n');
    expect((await flock(alice, 'org', 'add', 'team', 'carol', '--role', 'owner')).code).toBe(0);
    const left = await flock(alice, 'org', 'leave', 'team');
    expect(left.stdout).toBe('Left team\n');
    const roles = await registry.withServices(async (s) => {
      const team = await s.accounts.requireOrg('team');
      return [await s.accounts.roleOf(team.id, (await s.accounts.requireUser('alice')).id), await s.accounts.roleOf(team.id, (await s.accounts.requireUser('carol')).id)];
    });
    expect(roles).toEqual([null, 'owner']);
  });

  it('the org audit log records who published and changed membership, with which token', async () => {
    const events = await registry.withServices(async (s) => s.audit.forOrg((await s.accounts.requireOrg('team')).id));
    const lines = events.map((e) => `${e.actor_name} ${e.action} ${e.subject} ${e.token_name}`).reverse();
    expect(lines).toEqual([
      'alice org.create team test',
      'alice member.add bob (member) test',
      'bob publish team/palette@0.1.0 test',
      'alice member.remove bob test',
      'alice member.add carol (owner) test',
      'alice member.leave alice test',
    ]);
  });

  it('flock org role promotes and demotes members; only owners may, and never the last owner', async () => {
    expect((await flock(alice, 'org', 'create', 'crew')).code).toBe(0);
    expect((await flock(alice, 'org', 'add', 'crew', 'bob')).code).toBe(0);
    const roles = async () => (await flock(alice, 'org', 'members', 'crew')).lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '));

    const typo = await flock(alice, 'org', 'role', 'crew', 'bob', 'admin');
    expect([typo.code, typo.stderr.trim()]).toEqual([1, 'Unknown role "admin": use owner or member']);
    const notOwner = await flock(bob, 'org', 'role', 'crew', 'bob', 'owner');
    expect(notOwner.stderr).toBe('Cannot change the role of bob in crew: Only an owner of crew can do that\n');
    expect(notOwner.code).not.toBe(0);
    expect(await roles()).toEqual(['alice owner', 'bob member']);

    const promoted = await flock(alice, 'org', 'role', 'crew', 'bob', 'owner');
    expect(promoted.stdout).toBe('bob is now an owner of crew\n');
    expect((await flock(bob, 'org', 'role', 'crew', 'alice', 'member')).stdout).toBe('alice is now a member of crew\n');
    expect(await roles()).toEqual(['alice member', 'bob owner']);
    const last = await flock(bob, 'org', 'role', 'crew', 'bob', 'member');
    expect(last.stderr).toBe('Cannot change the role of bob in crew: bob is the last owner of crew; make someone else an owner first\n');
    expect(await roles()).toEqual(['alice member', 'bob owner']);
  });

  // A default token (publish, yank, read), as a CI job would hold: it runs nothing of the account.
  let ci = '';
  const accountState = async () => JSON.stringify([
    await registry.db.selectFrom('tokens').select(['id', 'token_hash', 'revoked_at']).orderBy('id').execute(),
    await registry.db.selectFrom('memberships').selectAll().orderBy('org_id').orderBy('user_id').execute(),
    await registry.db.selectFrom('orgs').select('id').orderBy('id').execute(),
  ]);

  it('flock token create grants manage only when asked; without it a token still reads its orgs', async () => {
    ci = (await flock(alice, 'token', 'create', '--name', 'ci')).lines[0]!;
    expect((await flock(alice, 'token', 'list')).stdout).toMatch(/^\S+\s+ci\s+publish,yank,read\s+all\s/m);
    expect((await flock(alice, 'org', 'create', 'ci-club')).code).toBe(0);
    expect((await flock(ci, 'org', 'members', 'ci-club')).code).toBe(0);
    expect((await flock(ci, 'org', 'store', 'show', 'ci-club')).stdout).toBe("ci-club uses the registry's store\n");
  });

  it.each([
    ['token list', 'list tokens'], ['token create --scopes read', 'create token cli'], ['token revoke test', 'revoke token test'],
    ['token rotate test', 'rotate token test'], ['org create ci-made', 'create organization ci-made'], ['org add ci-club carol', 'add carol to ci-club'],
    ['org role ci-club alice member', 'change the role of alice in ci-club'], ['org remove ci-club alice', 'remove alice from ci-club'],
    ['org leave ci-club', 'leave ci-club'], ['org store remove ci-club', 'remove the store of ci-club'],
  ])('a token without manage: flock %s says what it needs in one line, exits 1 and changes nothing', async (command, action) => {
    const before = await accountState();
    const result = await flock(ci, ...command.split(' '));
    const refused = 'This token cannot manage the account or its organizations: use a token with the manage scope (create one on the account page), or sign in on the web';
    expect([result.code, result.stderr, result.stdout]).toEqual([1, `Cannot ${action}: ${refused}\n`, '']);
    expect(await accountState()).toBe(before);
  });

  it('a manage token restricted to one org runs that org, but not the account', async () => {
    const clubOnly = (await flock(alice, 'token', 'create', '--name', 'club-admin', '--scopes', 'manage', '--orgs', 'ci-club')).lines[0]!;
    const list = await flock(clubOnly, 'token', 'list');
    expect([list.code, list.stderr.trim()]).toEqual([1, "Cannot list tokens: This token is restricted to some organizations, so it cannot manage the account's tokens or create organizations: use an unrestricted token with the manage scope, or sign in on the web"]);
    const added = await flock(clubOnly, 'org', 'add', 'ci-club', 'carol');
    expect([added.code, added.stdout]).toEqual([0, 'Added carol to ci-club as member\n']);
    const elsewhere = await flock(clubOnly, 'org', 'add', 'alice', 'bob');
    expect(elsewhere.stderr).toBe('Cannot add bob to alice: This token is not allowed to act on alice\n');
  });

  it('flock token create prints the token alone; list shows it without the secret', async () => {
    const created = await flock(alice, 'token', 'create', '--name', 'reader', '--scopes', 'read');
    expect(created.lines).toHaveLength(1);
    expect(created.lines[0]).toMatch(TOKEN);
    const list = await flock(alice, 'token', 'list');
    expect(list.stdout).toMatch(/reader\s+read\s+all\s+\d{4}-\d{2}-\d{2}\s+-\s+-/);
    expect(list.stdout).not.toContain('flock_');
    const stored = await registry.db.selectFrom('tokens').select('token_hash').execute();
    expect(stored.map((t) => t.token_hash)).not.toContain(created.lines[0]);
  });

  it('a token without the publish scope cannot publish, nor mint a token with more power', async () => {
    // manage too, so it may mint tokens at all: what it may not grant is publish.
    const reader = (await flock(alice, 'token', 'create', '--name', 'reader2', '--scopes', 'read,manage')).lines[0]!;
    const publish = await publishProject(await paletteAt('0.3.0'), env(reader, { FLOCK_ORG: 'alice' }));
    expect(publish.lines.at(-1)).toBe('{"error":"This token does not have the publish scope"}');
    const escalate = await flock(reader, 'token', 'create', '--scopes', 'publish');
    expect(escalate.stderr).toBe('Cannot create token cli: This token cannot grant the publish scope it does not have\n');
    const rotateOther = await flock(reader, 'token', 'rotate', 'test');
    expect(rotateOther.stderr).toBe('Cannot rotate token test: This token cannot grant the publish scope it does not have\n');
  });

  it('a token restricted to one org cannot publish to another', async () => {
    expect((await flock(alice, 'org', 'create', 'lab')).code).toBe(0);
    const labOnly = (await flock(alice, 'token', 'create', '--name', 'lab-ci', '--orgs', 'lab', '--scopes', 'publish')).lines[0]!;
    const elsewhere = await publishProject(await paletteAt('0.4.0'), env(labOnly, { FLOCK_ORG: 'alice' }));
    expect(elsewhere.lines.at(-1)).toBe('{"error":"This token is not allowed to publish to alice"}');
    const inLab = await publishProject(await paletteAt('0.4.1'), env(labOnly, { FLOCK_ORG: 'lab' }));
    expect(inLab.code).toBe(0);
    const notMine = await flock(alice, 'token', 'create', '--orgs', 'carol');
    expect(notMine.stderr).toBe('Cannot create token cli: Not a member of this organization: carol\n');
    expect((await flock(alice, 'token', 'list')).stdout).toMatch(/lab-ci\s+publish\s+lab\s/);
    const otherOrg = await flock(labOnly, 'org', 'members', 'alice');
    expect(otherOrg.stderr).toBe('Cannot list the members of alice: This token is not allowed to act on alice\n');
  });

  it('rotate gives a new secret and the old one fails; revoke stops it', async () => {
    // With manage, so it can rotate itself.
    const first = (await flock(alice, 'token', 'create', '--name', 'rotating', '--scopes', 'read,manage')).lines[0]!;
    const rotated = await flock(first, 'token', 'rotate', 'rotating');
    expect(rotated.lines).toHaveLength(1);
    const second = rotated.lines[0]!;
    expect(second).toMatch(TOKEN);
    expect((await flock(first, 'whoami')).stderr.trim()).toBe('{"error":"Invalid token"}');
    expect((await flock(second, 'whoami')).lines[0]).toBe('alice');
    const revoked = await flock(alice, 'token', 'revoke', 'rotating');
    expect(revoked.stdout).toMatch(/^Revoked token rotating \(/);
    expect((await flock(second, 'whoami')).stderr.trim()).toBe('{"error":"Invalid token"}');
    expect((await flock(alice, 'token', 'list')).stdout).not.toContain('rotating');
    const missing = await flock(alice, 'token', 'revoke', 'rotating');
    expect(missing.stderr.trim()).toBe('No token "rotating" (see flock token list)');
  });

  it('an expired token gets {"error":"Invalid token"}; a bad expiry is refused', async () => {
    const expiring = (await flock(alice, 'token', 'create', '--name', 'short', '--expires-in-days', '1')).lines[0]!;
    expect((await flock(expiring, 'whoami')).code).toBe(0);
    expect((await flock(alice, 'token', 'list')).stdout).toMatch(/short\s.*\d{4}-\d{2}-\d{2}$/m);
    // Time passes: the expiry is now in the past. (Rewriting the row is how the test moves time; the
    // server's principal cache trusts the expiry it read, so it is dropped as a restart would.)
    await registry.db.updateTable('tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('name', '=', 'short').execute();
    await registry.withServices(async (s) => s.auth.clear());
    expect((await flock(expiring, 'whoami')).stderr.trim()).toBe('{"error":"Invalid token"}');
    expect((await flock(alice, 'token', 'list')).stdout).toMatch(/short\s.*expired$/m);
    const zero = await flock(alice, 'token', 'create', '--name', 'never', '--expires-in-days', '0');
    expect(zero.stderr).toBe('Cannot create token never: Invalid expiresInDays "0": use 1 to 3650\n');
    const past = await fetch(`${registry.url}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', scopes: 'read', expiresAt: '2001-01-01' }) });
    expect(past.status).toBe(400);
    expect(await past.json()).toEqual({ error: 'The expiry date must be in the future' });
    expect(await registry.db.selectFrom('tokens').select('id').where('name', 'in', ['never', 'x']).execute()).toEqual([]);
  });

  it('last_used_at is written at most once a minute per token', async () => {
    const fresh = (await flock(alice, 'token', 'create', '--name', 'busy')).lines[0]!;
    expect((await flock(fresh, 'whoami')).code).toBe(0);
    const firstUse = await registry.db.selectFrom('tokens').select('last_used_at').where('name', '=', 'busy').executeTakeFirstOrThrow();
    expect(firstUse.last_used_at).not.toBeNull();
    const marker = '2000-01-01T00:00:00.000Z';
    const recent = new Date(Date.now() - 5_000).toISOString();
    await registry.db.updateTable('tokens').set({ last_used_at: recent }).where('name', '=', 'busy').execute();
    // The principal cache answers repeated uses for a few seconds without the database; start each use cold.
    await registry.withServices(async (s) => s.auth.clear());
    await flock(fresh, 'whoami');
    expect((await registry.db.selectFrom('tokens').select('last_used_at').where('name', '=', 'busy').executeTakeFirstOrThrow()).last_used_at).toBe(recent);
    await registry.db.updateTable('tokens').set({ last_used_at: marker }).where('name', '=', 'busy').execute();
    await registry.withServices(async (s) => s.auth.clear());
    await flock(fresh, 'whoami');
    expect((await registry.db.selectFrom('tokens').select('last_used_at').where('name', '=', 'busy').executeTakeFirstOrThrow()).last_used_at).not.toBe(marker);
  });

  it('a user sees their own token events in the audit log', async () => {
    const events = await registry.withServices(async (s) => s.audit.forUser((await s.accounts.requireUser('alice')).id, 200));
    const actions = new Set(events.map((e) => e.action));
    for (const action of ['token.create', 'token.rotate', 'token.revoke', 'org.create', 'publish']) expect(actions).toContain(action);
    expect(events.every((e) => e.actor_name === 'alice')).toBe(true);
  });
});
