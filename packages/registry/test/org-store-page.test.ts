import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startTestS3, type TestS3 } from '../../../test-support/s3.js';

const SECRET = 'page-secret/never+shown';

describe("the org page's Catalog Store card", () => {
  let registry: TestRegistry;
  let s3: TestS3;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    s3 = await startTestS3('page-catalog');
    const signedUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=ada&password=a+long+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    cookie = signedUp.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
    const page = await (await fetch(`${registry.url}/flock/ada`, { headers: { cookie } })).text();
    csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  });
  afterAll(async () => {
    await registry?.close();
    await s3?.close();
  });

  const submit = (fields: Record<string, string>) =>
    fetch(`${registry.url}/flock/ada/store`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      headers: { cookie, origin: registry.url, 'content-type': 'application/x-www-form-urlencoded' },
    });

  it('an owner sets the store with the form; the page then shows it configured, never the secret', async () => {
    const before = await (await fetch(`${registry.url}/flock/ada`, { headers: { cookie } })).text();
    expect(before).toContain('Packages of ada are stored by the registry.');
    const response = await submit({ endpoint: s3.endpoint, bucket: 'page-catalog', region: 'us-east-1', prefix: '', accessKeyId: 'S3RVER', secretAccessKey: SECRET });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/flock/ada#store');
    const after = await (await fetch(`${registry.url}/flock/ada`, { headers: { cookie } })).text();
    expect(after).toMatch(/Packages of ada are stored in <code>s3:\/\/page-catalog<\/code>.*configured, last checked/s);
    expect(after).not.toContain(SECRET);
    expect(after).not.toContain('S3RVER');
  });

  it('bad settings come back on the page with the reason, and change nothing', async () => {
    const response = await submit({ endpoint: 'not a url', bucket: 'page-catalog', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: SECRET });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('endpoint: endpoint must be an http(s) URL');
    const rows = await registry.db.selectFrom('org_stores').select(['endpoint', 'bucket']).execute();
    expect(rows).toEqual([{ endpoint: s3.endpoint, bucket: 'page-catalog' }]);
  });

  it('a forged form (no CSRF token) is refused', async () => {
    const response = await fetch(`${registry.url}/flock/ada/store/remove`, { method: 'POST', redirect: 'manual', body: '', headers: { cookie, origin: registry.url, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(403);
  });

  it('anonymous visitors see no store card', async () => {
    expect(await (await fetch(`${registry.url}/flock/ada`)).text()).not.toContain('id="store"');
  });
});
