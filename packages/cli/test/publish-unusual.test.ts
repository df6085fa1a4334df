import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { writeProject } from '../../../test-support/project.js';
import { git, initGitPackage } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The orphan-commit check end to end: real git repositories, the real flock binary asking its
// clean clone whether HEAD descends from the previous version's commit, and the registry's hold.

describe('flock publish: unusual publishes are flagged and can be held', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let project: string;
  let consumer: string;

  const flock = (args: string[], cwd = project, withEnv = env) => runFlock(args, { cwd, env: withEnv });
  const api = async (path: string) => (await fetch(`${registry.url}/api/v1/packages/your-name/lineage${path}`, { headers: { authorization: `Bearer ${env.FLOCK_TOKEN}` } }));
  const flagsOf = async (version: string) => ((await (await api(`/${version}`)).json()) as { flags: string[] }).flags;

  /** Sets the version in flock.toml, commits on the current branch and pushes it. */
  async function commitVersion(version: string): Promise<void> {
    const path = join(project, 'flock.toml');
    await writeFile(path, (await readFile(path, 'utf8')).replace(/version = "[^"]+"/, `version = "${version}"`));
    await git(project, 'add', '-A');
    await git(project, 'commit', '--quiet', '-m', `Version ${version}`);
    await git(project, 'push', '--quiet', 'origin', 'HEAD');
  }

  /** A branch with no history at all, holding the same files. */
  async function orphanBranch(branch: string, version: string): Promise<void> {
    await git(project, 'checkout', '--quiet', '--orphan', branch);
    await commitVersion(version);
  }

  async function published(version: string): Promise<string[]> {
    const result = await flock(['publish']);
    expect(`${result.code}\n${result.stdout}${result.stderr}`).toMatch(/^0\n/);
    expect(result.lines).toContain('Uploading documentation...');
    return result.lines;
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir('flock-unusual-');
    env = await publisherEnv(registry, dir.path);
    project = await writeProject(dir.path, { org: 'your-name', name: 'lineage', version: '1.0.0' });
    await initGitPackage(project);
    consumer = join(dir.path, 'consumer');
    await mkdir(consumer);
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('1.0.1 from an orphan branch is flagged orphan-commit; 1.0.2 descending from it is not', async () => {
    await published('1.0.0');
    const first = (await registry.db.selectFrom('versions').select('source_commit').where('version', '=', '1.0.0').executeTakeFirstOrThrow()).source_commit!;
    await orphanBranch('side', '1.0.1');
    const lines = await published('1.0.1');
    // The ordinary output, nothing added for a publish that is not held.
    expect(lines.some((l) => l.includes('held'))).toBe(false);
    expect(await flagsOf('1.0.1')).toEqual(['orphan-commit']);
    expect(await registry.db.selectFrom('versions').select('source_descends').where('version', '=', '1.0.1').executeTakeFirstOrThrow()).toEqual({ source_descends: 0 });

    const show = await flock(['show', 'your-name/lineage@1.0.1']);
    expect(show.lines).toContain("Unusual: Its commit does not descend from 1.0.0's commit");
    const page = await (await fetch(`${registry.url}/flock/your-name/lineage/1.0.1`)).text();
    expect(page).toContain(`Its commit does not descend from 1.0.0&#39;s commit ${first.slice(0, 7)}`);
    const audit = await registry.db.selectFrom('audit_events').select('subject').where('action', '=', 'publish').execute();
    expect(audit.map((a) => a.subject)).toContain('your-name/lineage@1.0.1 (unusual: orphan-commit)');

    await commitVersion('1.0.2');
    await published('1.0.2');
    expect(await flagsOf('1.0.2')).toEqual([]);
    expect(await registry.db.selectFrom('versions').select('source_descends').where('version', '=', '1.0.2').executeTakeFirstOrThrow()).toEqual({ source_descends: 1 });
    expect((await flock(['show', 'your-name/lineage@1.0.2'])).stdout).not.toContain('Unusual');
  });

  it('--allow-dirty after clean publishes is flagged, and sends no lineage answer', async () => {
    await writeFile(join(project, 'flock.toml'), (await readFile(join(project, 'flock.toml'), 'utf8')).replace(/version = "[^"]+"/, 'version = "1.0.3"'));
    const result = await flock(['publish', '--allow-dirty']);
    expect(result.code).toBe(0);
    expect(await flagsOf('1.0.3')).toEqual(['dirty-after-clean']);
    expect(await registry.db.selectFrom('versions').select('source_descends').where('version', '=', '1.0.3').executeTakeFirstOrThrow()).toEqual({ source_descends: null });
    await git(project, 'checkout', '--quiet', '--', 'flock.toml');
  });

  it('with holdUnusual an orphan publish is held: exit 0 with one more line, invisible, not installable, number taken; approval publishes it', async () => {
    const settings = await fetch(`${registry.url}/api/v1/orgs/your-name/settings`, {
      method: 'PUT', headers: { authorization: `Bearer ${env.FLOCK_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ holdUnusual: true }),
    });
    expect(settings.status).toBe(200);
    await orphanBranch('side-2', '1.1.0');
    const lines = await published('1.1.0');
    const answer = lines.findIndex((l) => l.startsWith('{"ok":true'));
    expect(JSON.parse(lines[answer]!)).toEqual({ ok: true, checksum: expect.any(String), held: true, flags: ['orphan-commit'] });
    expect(lines[answer + 1]).toBe("your-name/lineage@1.1.0 is held for an owner's approval: Its commit does not descend from the previous version's commit");
    expect((await api('/1.1.0')).status).toBe(404);

    await writeFile(join(consumer, 'flock.toml'), '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n"your-name/lineage" = "=1.1.0"\n');
    const refused = await flock(['install'], consumer);
    expect(refused.code).not.toBe(0);

    const again = await flock(['publish']);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Version already exists');

    const held = await flock(['held', 'your-name/lineage']);
    expect(held.code).toBe(0);
    expect(held.lines[1]).toMatch(/^1\.1\.0 +held +your-name .*Its commit does not descend/);
    const json = JSON.parse((await flock(['held', 'your-name/lineage', '--json'])).stdout) as Array<{ version: string; flags: string[] }>;
    expect(json.map((h) => [h.version, h.flags])).toEqual([['1.1.0', ['orphan-commit']]]);

    // A member who is not an owner cannot approve.
    const beaEnv = { ...env, FLOCK_TOKEN: await registry.createUser('bea') };
    await registry.withServices(async (s) => s.accounts.setMember({ orgId: (await s.accounts.requireOrg('your-name')).id, userId: (await s.accounts.requireUser('bea')).id, role: 'member' }));
    const notOwner = await flock(['approve', 'your-name/lineage@1.1.0'], project, beaEnv);
    expect(notOwner.code).toBe(1);
    expect(notOwner.stderr.trim()).toBe('Cannot approve your-name/lineage@1.1.0: Only an owner of your-name can do that');

    const approved = await flock(['approve', 'your-name/lineage@1.1.0']);
    expect(approved.stdout.trim()).toBe('Approved your-name/lineage@1.1.0: it is published');
    expect(await flagsOf('1.1.0')).toEqual(['orphan-commit']);
    const installed = await flock(['install'], consumer);
    expect(`${installed.code} ${installed.stderr}`).toBe('0 ');
    expect(await readFile(join(consumer, 'flock.lock'), 'utf8')).toContain('1.1.0');
  });

  it('a rejected held version stays invisible and its number taken', async () => {
    await orphanBranch('side-3', '1.2.0');
    const lines = await published('1.2.0');
    expect(lines.some((l) => l.startsWith('your-name/lineage@1.2.0 is held'))).toBe(true);
    const rejected = await flock(['reject', 'your-name/lineage@1.2.0']);
    expect(rejected.code).toBe(0);
    expect((await api('/1.2.0')).status).toBe(404);
    const held = await flock(['held', 'your-name/lineage']);
    expect(held.lines[1]).toMatch(/^1\.2\.0 +rejected /);
    expect((await flock(['publish'])).stdout).toContain('Version already exists');
    const approve = await flock(['approve', 'your-name/lineage@1.2.0']);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain('was rejected');
  });
});
