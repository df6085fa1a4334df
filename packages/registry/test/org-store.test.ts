import { createHash } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startTestS3, type TestS3 } from '../../../test-support/s3.js';

const SECRET = 'orgSecretKey/ShouldNeverLeak+123';
// s3rver accepts only this access key id (it does not check signatures, so any secret works).
const ACCESS_KEY = 'S3RVER';

async function archive(org: string, name: string, version: string) {
  const manifest = renderManifest(parseManifest(`[package]\nname = "${name}"\nversion = "${version}"\norg = "${org}"\n`));
  return packArchive({ root: `${name}-${version}`, entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
}

async function bucketKeys(s3: TestS3): Promise<string[]> {
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    client.destroy();
  }
}

describe("an organization's own Catalog Store", () => {
  let registry: TestRegistry;
  let orgS3: TestS3;
  let owner: string;
  let member: string;
  let outsider: string;
  const logs: string[] = [];

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${registry.url}${path}`, { ...init, redirect: 'manual', headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  const storeBody = (s3: TestS3, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', prefix: 'flock', accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, ...extra });

  beforeAll(async () => {
    registry = await createTestRegistry({}, { logs });
    orgS3 = await startTestS3('acme-catalog');
    owner = await registry.createUser('boss');
    member = await registry.createUser('worker');
    outsider = await registry.createUser('stranger');
    await registry.withServices(async (s) => {
      const boss = await s.accounts.requireUser('boss');
      const acme = await s.accounts.createOrg({ name: 'acme', ownerId: boss.id });
      await s.accounts.setMember({ orgId: acme.id, userId: (await s.accounts.requireUser('worker')).id, role: 'member' });
      await s.accounts.createOrg({ name: 'flaky', ownerId: boss.id });
    });
  });
  afterAll(async () => {
    await registry?.close();
    await orgS3?.close();
  });

  it('is set by an owner after a probe write, and is shown back without any credential', async () => {
    const response = await api('/api/v1/orgs/acme/store', owner, { method: 'PUT', body: storeBody(orgS3) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ configured: true, endpoint: orgS3.endpoint, bucket: 'acme-catalog', region: 'us-east-1', prefix: 'flock' });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(ACCESS_KEY);
    expect(await bucketKeys(orgS3)).toEqual([]); // the probe was deleted
    const status = await (await api('/api/v1/orgs/acme/store', member)).text();
    expect(status).not.toContain(SECRET);
    const row = await registry.db.selectFrom('org_stores').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(SECRET);
  });

  it('refuses members who are not owners, outsiders, and bad settings', async () => {
    expect((await api('/api/v1/orgs/acme/store', member, { method: 'PUT', body: storeBody(orgS3) })).status).toBe(403);
    const outside = await api('/api/v1/orgs/acme/store', outsider, { method: 'PUT', body: storeBody(orgS3) });
    expect(await outside.json()).toEqual({ error: 'Not a member of this organization' });
    const badBucket = await api('/api/v1/orgs/acme/store', owner, { method: 'PUT', body: storeBody(orgS3, { bucket: 'No_Such' }) });
    expect(badBucket.status).toBe(400);
    expect(((await badBucket.json()) as { error: string }).error).toMatch(/^bucket: /);
    const unreachable = await api('/api/v1/orgs/acme/store', owner, { method: 'PUT', body: storeBody(orgS3, { endpoint: 'http://127.0.0.1:9' }) });
    expect(unreachable.status).toBe(400);
    expect(((await unreachable.json()) as { error: string }).error).toMatch(/^Could not write to the store at http:\/\/127\.0\.0\.1:9 \(bucket acme-catalog\)/);
  });

  it("writes the org's archives and docs only to its store, and downloads redirect there", async () => {
    const registryBefore = await registry.listBlobs();
    const bytes = await archive('acme', 'widget', '1.0.0');
    const published = await api('/api/v1/packages/acme/widget/1.0.0', owner, { method: 'PUT', body: bytes });
    expect(published.status).toBe(200);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const docs = { schema: 'flock-docs/1', package: { org: 'acme', name: 'widget', version: '1.0.0' }, modules: [] };
    expect((await api('/api/v1/packages/acme/widget/1.0.0/docs', owner, { method: 'PUT', body: JSON.stringify(docs) })).status).toBe(200);

    const keys = await bucketKeys(orgS3);
    expect(keys).toContain(`flock/sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`);
    expect(keys).toHaveLength(2);
    expect(await registry.listBlobs()).toEqual(registryBefore);

    const download = await api('/api/v1/packages/acme/widget/1.0.0/download', owner);
    expect(download.status).toBe(302);
    const location = download.headers.get('location')!;
    expect(location.startsWith(`${orgS3.endpoint}/acme-catalog/flock/sha256/`)).toBe(true);
    const fetched = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(fetched.equals(bytes)).toBe(true);
    const stored = await (await fetch(`${registry.url}/api/v1/packages/acme/widget/1.0.0/docs`)).json();
    expect(stored).toMatchObject({ package: { name: 'widget' } });
  });

  it("another org's packages stay in the registry store", async () => {
    const before = (await bucketKeys(orgS3)).length;
    expect((await api('/api/v1/packages/boss/other/1.0.0', owner, { method: 'PUT', body: await archive('boss', 'other', '1.0.0') })).status).toBe(200);
    expect(await bucketKeys(orgS3)).toHaveLength(before);
  });

  it('while it holds versions, its credentials can be replaced but it cannot move', async () => {
    const moved = await api('/api/v1/orgs/acme/store', owner, { method: 'PUT', body: storeBody(orgS3, { prefix: 'elsewhere' }) });
    expect(moved.status).toBe(409);
    expect(await moved.json()).toEqual({ error: 'The store of acme holds 1 version; only its credentials can change, not its endpoint, bucket or prefix' });
    const rotated = await api('/api/v1/orgs/acme/store', owner, { method: 'PUT', body: storeBody(orgS3, { secretAccessKey: `${SECRET}-rotated` }) });
    expect(rotated.status).toBe(200);
    const download = await api('/api/v1/packages/acme/widget/1.0.0/download', owner);
    expect(download.headers.get('location')!.startsWith(`${orgS3.endpoint}/acme-catalog/flock/`)).toBe(true);
  });

  it('cannot be removed while it holds versions, and says how many', async () => {
    const response = await api('/api/v1/orgs/acme/store', owner, { method: 'DELETE' });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'The store of acme still holds 1 version; it cannot be removed' });
  });

  it("a failing org store fails that org's publishes with 503 and records nothing; others are unaffected", async () => {
    const doomed = await startTestS3('flaky-catalog');
    expect((await api('/api/v1/orgs/flaky/store', owner, { method: 'PUT', body: storeBody(doomed) })).status).toBe(200);
    await doomed.close();
    const failed = await api('/api/v1/packages/flaky/gadget/1.0.0', owner, { method: 'PUT', body: await archive('flaky', 'gadget', '1.0.0') });
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: string }).error).toMatch(/^The store of organization flaky failed: /);
    expect((await fetch(`${registry.url}/api/v1/packages/flaky/gadget`)).status).toBe(404);
    const rows = await registry.db.selectFrom('versions').innerJoin('packages', 'packages.id', 'versions.package_id').select('packages.name').where('packages.name', '=', 'gadget').execute();
    expect(rows).toEqual([]);
    expect((await api('/api/v1/packages/boss/fine/1.0.0', owner, { method: 'PUT', body: await archive('boss', 'fine', '1.0.0') })).status).toBe(200);
    const metrics = await (await fetch(`${registry.url}/metrics`)).text();
    expect(metrics).toContain('flock_store_errors_total{store="org"} 1');
    expect(metrics).toContain('flock_publishes_total{result="unavailable"} 1');
    expect(metrics).toMatch(/flock_publishes_total\{result="ok"\} [3-9]/);
    // Removing a store that holds nothing is allowed.
    expect((await api('/api/v1/orgs/flaky/store', owner, { method: 'DELETE' })).status).toBe(200);
  });

  it('never logs the credentials', () => {
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(ACCESS_KEY);
  });
});
