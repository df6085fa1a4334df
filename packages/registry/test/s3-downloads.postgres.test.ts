import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// The registry's own store is S3 in the postgres-s3 run only (*.postgres.test.ts run there alone).
describe("downloads from the registry's S3 store", () => {
  let redirecting: TestRegistry;
  let streaming: TestRegistry;

  async function publish(registry: TestRegistry): Promise<Buffer> {
    const token = await registry.createUser('acme');
    const manifest = renderManifest(parseManifest('[package]\nname = "widget"\nversion = "1.0.0"\norg = "acme"\n'));
    const archive = await packArchive({ root: 'widget-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    const response = await fetch(`${registry.url}/api/v1/packages/acme/widget/1.0.0`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return archive;
  }

  beforeAll(async () => {
    [redirecting, streaming] = await Promise.all([createTestRegistry(), createTestRegistry({ FLOCK_S3_REDIRECT: 'false' })]);
  });
  afterAll(async () => {
    await redirecting?.close();
    await streaming?.close();
  });

  it('answer 302 to a short-lived presigned URL by default', async () => {
    const archive = await publish(redirecting);
    const response = await fetch(`${redirecting.url}/api/v1/packages/acme/widget/1.0.0/download`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(Buffer.from(await (await fetch(location)).arrayBuffer()).equals(archive)).toBe(true);
  });

  it('stream through the registry with FLOCK_S3_REDIRECT=false', async () => {
    const archive = await publish(streaming);
    const response = await fetch(`${streaming.url}/api/v1/packages/acme/widget/1.0.0/download`, { redirect: 'manual' });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(archive).digest('hex'));
  });
});
