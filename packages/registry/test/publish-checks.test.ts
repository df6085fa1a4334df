import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractDocs, writeDocsJson, type VersionDto } from '@flock/core';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Refusals a review found leaky: a refused re-publish left its blob behind, a dependency check
// told a restricted token that a private package exists, and docs of another org were stored.
const hexOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('publish refusals leave nothing behind and reveal nothing', () => {
  let registry: TestRegistry;
  let carol: string;
  let tess: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    carol = await registry.createUser('carol');
    tess = await registry.createUser('tess');
    await registry.withServices(async (s) => {
      const team = await s.accounts.createOrg({ name: 'team', ownerId: (await s.accounts.requireUser('tess')).id });
      await s.accounts.setMember({ orgId: team.id, userId: (await s.accounts.requireUser('carol')).id, role: 'member' });
    });
  });
  afterAll(() => registry?.close());

  const put = (path: string, body: Uint8Array | string, token: string) =>
    fetch(`${registry.url}/api/v1/packages/${path}`, { method: 'PUT', body, headers: { authorization: `Bearer ${token}` } });

  describe('blobs', () => {
    it('re-publishes of an existing version, refused with 409, store no blob', async () => {
      expect((await put('carol/again/0.1.0', await manifestOnlyArchive('carol', 'again', '0.1.0'), carol)).status).toBe(200);
      const before = await registry.listBlobs();
      for (const license of ['MIT', 'Apache-2.0', 'ISC']) {
        const response = await put('carol/again/0.1.0', await manifestOnlyArchive('carol', 'again', '0.1.0', `license = "${license}"\n`), carol);
        expect(response.status).toBe(409);
        expect(await response.text()).toBe('{"error":"Version already exists"}');
      }
      expect(await registry.listBlobs()).toEqual(before);
    });

    it('publishes that lose a race for one version remove their blobs; the winner keeps its own', async () => {
      const before = await registry.listBlobs();
      const archives = await Promise.all(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((l) => manifestOnlyArchive('carol', 'racer', '1.0.0', `description = "${l}"\n`)));
      const responses = await Promise.all(archives.map((a) => put('carol/racer/1.0.0', a, carol)));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      const winner = archives[responses.findIndex((r) => r.status === 200)]!;
      const after = await registry.listBlobs();
      expect(after).toHaveLength(before.length + 1);
      expect(after.filter((key) => !before.includes(key))[0]).toMatch(new RegExp(`${hexOf(winner)}$`));
      const download = await fetch(`${registry.url}/api/v1/packages/carol/racer/1.0.0/download`, { headers: { authorization: `Bearer ${carol}` } });
      expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(winner))).toBe(true);
    });
  });

  describe('dependencies', () => {
    // "secret" and "nosuch" have the same length, so the answers can be compared byte for byte.
    beforeAll(async () => {
      expect((await put('team/secret/1.0.0', await manifestOnlyArchive('team', 'secret', '1.0.0', 'visibility = "private"\n'), tess)).status).toBe(200);
    });

    const restricted = (scopes: Array<'publish' | 'read'>) =>
      registry.withServices(async (s) => {
        const user = await s.accounts.requireUser('carol');
        const own = await s.accounts.requireOrg('carol');
        return (await s.tokens.create({ userId: user.id, name: `carol-only-${scopes.join('-')}`, scopes, orgIds: [own.id] })).token;
      });

    const probe = async (dependency: string, token: string, version: string) => {
      const extra = `visibility = "private"\n[dependencies]\n"${dependency}" = "^9"\n`;
      const response = await put(`carol/probe/${version}`, await manifestOnlyArchive('carol', 'probe', version, extra), token);
      return { status: response.status, body: await response.text() };
    };

    it.each([
      ['restricted to carol, without read', ['publish'] as Array<'publish' | 'read'>],
      ['restricted to carol, with read', ['publish', 'read'] as Array<'publish' | 'read'>],
    ])('a token %s cannot tell a private package it cannot read from one never published', async (_label, scopes) => {
      const token = await restricted(scopes);
      const read = await fetch(`${registry.url}/api/v1/packages/team/secret`, { headers: { authorization: `Bearer ${token}` } });
      expect(read.status).toBe(404);
      const secret = await probe('team/secret', token, '1.0.0');
      const never = await probe('team/nosuch', token, '1.0.0');
      expect(never).toEqual({ status: 400, body: '{"error":"Dependency team/nosuch does not exist"}' });
      expect({ ...secret, body: secret.body.replace('team/secret', 'team/nosuch') }).toEqual(never);
    });

    it('a member token with read and no restriction still depends on it', async () => {
      expect(await probe('team/secret', carol, '1.0.0')).toEqual({ status: 400, body: '{"error":"Dependency team/secret has no version matching ^9"}' });
      const extra = `visibility = "private"\n[dependencies]\n"team/secret" = "^1"\n`;
      const response = await put('carol/probe/1.0.0', await manifestOnlyArchive('carol', 'probe', '1.0.0', extra), carol);
      expect(response.status).toBe(200);
    });
  });

  describe('docs', () => {
    const docsOf = (org: string) =>
      writeDocsJson(extractDocs([{ path: 'src/m.ks', text: '/// Does it.\npub fn it() {}\n' }], { org, name: 'docpkg', version: '1.0.0' }));

    it('refuses docs that name another org, storing nothing; accepts the right one', async () => {
      expect((await put('carol/docpkg/1.0.0', await manifestOnlyArchive('carol', 'docpkg', '1.0.0'), carol)).status).toBe(200);
      const before = await registry.listBlobs();
      const wrong = await put('carol/docpkg/1.0.0/docs', docsOf('alice'), carol);
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toEqual({ error: 'Invalid docs: they describe a package of alice, not of carol' });
      expect(await registry.listBlobs()).toEqual(before);
      const meta = async () => ((await (await fetch(`${registry.url}/api/v1/packages/carol/docpkg/1.0.0`)).json()) as VersionDto).hasDocs;
      expect(await meta()).toBe(false);
      expect(await (await put('carol/docpkg/1.0.0/docs', docsOf('carol'), carol)).text()).toBe('{"ok":true}');
      expect(await meta()).toBe(true);
    });
  });
});
