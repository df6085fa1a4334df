import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, publisherEnv, runFlock, tempDir } from '../../../test-support/cli.js';
import { startFakeIssuer, type FakeIssuer } from '../../../test-support/oidc-issuer.js';
import { git, publishProject } from '../../../test-support/publish.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The real `flock publish` in "CI": no saved login, an ID token from FLOCK_OIDC_TOKEN or from
// GitHub Actions' token endpoint (a tiny fake on 127.0.0.1), exchanged at the real registry.

describe('flock publish with a trusted publisher', () => {
  let registry: TestRegistry;
  let issuer: FakeIssuer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let project: string;
  let home: string;
  let ownerToken: string;
  let github: Server;
  let githubUrl: string;
  const githubAsked: string[] = [];

  const idToken = () => issuer.sign({ aud: new URL(registry.url).origin, repository: 'your-name/palette', ref: 'refs/heads/main' });
  const ciEnv = (extra: Record<string, string>) => ({ HOME: home, FLOCK_REGISTRY: registry.url, ...extra });
  const bump = async (version: string) => {
    const path = join(project, 'flock.toml');
    await writeFile(path, (await readFile(path, 'utf8')).replace(/^version = ".*"$/m, `version = "${version}"`));
  };

  beforeAll(async () => {
    registry = await createTestRegistry();
    issuer = await startFakeIssuer();
    dir = await tempDir();
    const env = await publisherEnv(registry, dir.path);
    home = env.HOME!;
    ownerToken = env.FLOCK_TOKEN!;
    project = await copyExample('palette', dir.path);
    const added = await fetch(`${registry.url}/api/v1/orgs/your-name/trusted-publishers`, {
      method: 'POST', headers: { authorization: `Bearer ${env.FLOCK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ package: 'palette', issuer: issuer.url, audience: new URL(registry.url).origin, claims: { repository: 'your-name/palette' } }),
    });
    expect(added.status).toBe(201);
    github = createServer((req, res) => {
      githubAsked.push(`${req.headers.authorization} ${req.url}`);
      const audience = new URL(req.url!, 'http://x').searchParams.get('audience');
      if (req.headers.authorization !== 'bearer gh-request-token' || audience === null) return void res.writeHead(401).end();
      void issuer.sign({ aud: audience, repository: 'your-name/palette', ref: 'refs/tags/v0.3.0' }).then((value) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value })));
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}/token?api-version=2.0`;
  });
  afterAll(async () => {
    await registry?.close();
    await issuer?.close();
    await new Promise((resolve) => github?.close(resolve));
    await dir?.cleanup();
  });

  it('FLOCK_OIDC_TOKEN: publishes archive and docs without a login; the page and flock show name the publisher', async () => {
    const result = await publishProject(project, ciEnv({ FLOCK_OIDC_TOKEN: await idToken() }));
    expect([result.code, result.stderr]).toEqual([0, `Publishing with trusted publisher ${issuer.url}\n`]);
    expect(result.lines.slice(1)).toEqual([
      `Publishing your-name/palette@0.1.0 to ${registry.url}...`, expect.stringMatching(/^\{"ok":true,"checksum":"sha256:[0-9a-f]{64}"\}$/),
      'Uploading documentation...', '{"ok":true}',
    ]);
    const version = await registry.db.selectFrom('versions').selectAll().executeTakeFirstOrThrow();
    expect(version.trusted_publisher_id).not.toBeNull();
    expect(version.docs_key).not.toBeNull();
    expect(JSON.parse(version.oidc_claims!)).toMatchObject({ iss: issuer.url, repository: 'your-name/palette', ref: 'refs/heads/main' });
    const line = `Published by trusted publisher ${issuer.url} from your-name/palette at refs/heads/main`;
    expect(await (await fetch(`${registry.url}/flock/your-name/palette`)).text()).toContain(line);
    const shown = await runFlock(['show', 'your-name/palette'], { cwd: dir.path, env: ciEnv({}) });
    expect([shown.code, shown.lines]).toEqual([0, expect.arrayContaining([line])]);
  });

  it('an exchange the registry refuses is one line and exit 1, nothing uploaded', async () => {
    await bump('0.2.0');
    const replayed = await idToken();
    expect((await fetch(`${registry.url}/api/v1/oidc/exchange`, { method: 'POST', body: JSON.stringify({ token: replayed, package: 'your-name/palette' }) })).status).toBe(200);
    const result = await publishProject(project, ciEnv({ FLOCK_OIDC_TOKEN: replayed }));
    expect([result.code, result.stderr]).toEqual([1, 'Cannot publish: This ID token was already used\n']);
    expect(result.lines.filter((l) => l.startsWith('Publishing'))).toEqual([]);
    expect((await registry.db.selectFrom('versions').select('version').execute()).map((v) => v.version)).toEqual(['0.1.0']);
  });

  it('--dry-run does no exchange', async () => {
    const result = await publishProject(project, ciEnv({ FLOCK_OIDC_TOKEN: 'not-even-a-jwt' }), ['--dry-run']);
    expect([result.code, result.stderr]).toEqual([0, '']);
  });

  it('GitHub Actions variables: the ID token comes from the token endpoint, for the registry origin as audience', async () => {
    await bump('0.3.0');
    const result = await publishProject(project, ciEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'gh-request-token' }));
    expect([result.code, result.stderr]).toEqual([0, `Publishing with trusted publisher ${issuer.url}\n`]);
    expect(githubAsked).toEqual([`bearer gh-request-token /token?api-version=2.0&audience=${encodeURIComponent(new URL(registry.url).origin)}`]);
    const version = await registry.db.selectFrom('versions').selectAll().where('version', '=', '0.3.0').executeTakeFirstOrThrow();
    expect(JSON.parse(version.oidc_claims!)).toMatchObject({ ref: 'refs/tags/v0.3.0' });
    // The lineage check read 0.1.0's commit from the exchange's answer (the short-lived token reads nothing).
    expect(version.source_descends).toBe(1);
    expect(version.flags).toBeNull();
  });

  it('a trusted publish of a private package from an orphan commit is flagged like any other', async () => {
    // Private: the lineage check cannot read the package anonymously, only from the exchange's answer.
    const made = await fetch(`${registry.url}/api/v1/packages/your-name/palette/visibility`, {
      method: 'POST', headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'private' }),
    });
    expect(made.status).toBe(200);
    await git(project, 'checkout', '--quiet', '--orphan', 'side');
    await bump('0.4.0');
    await git(project, 'add', '-A');
    await git(project, 'commit', '--quiet', '-m', 'Unrelated history');
    await git(project, 'push', '--quiet', 'origin', 'HEAD');
    const result = await publishProject(project, ciEnv({ FLOCK_OIDC_TOKEN: await idToken() }));
    expect([result.code, result.stderr]).toEqual([0, `Publishing with trusted publisher ${issuer.url}\n`]);
    const version = await registry.db.selectFrom('versions').selectAll().where('version', '=', '0.4.0').executeTakeFirstOrThrow();
    expect([version.source_descends, JSON.parse(version.flags!)]).toEqual([0, ['orphan-commit']]);
  });
});
