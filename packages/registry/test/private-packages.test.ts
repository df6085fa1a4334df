import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/cli.js';
import { publishSpec } from '../../../test-support/project.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Every read route, as every kind of reader, against a public, a private and a never-published package.
// "qzvault" (private) and "qzblank" (never published) have names of the same length (and odd ones,
// so that swapping them in a page cannot touch anything else, such as a CSS class), so for a
// non-member the two answers must be byte-identical once the name in the URL is swapped.
const PUBLIC = 'acme/open';
const PRIVATE = 'acme/qzvault';
const NEVER = 'acme/qzblank';

const ROUTES: Array<{ route: string; path: (pkg: string) => string }> = [
  { route: 'API package', path: (p) => `/api/v1/packages/${p}` },
  { route: 'API version', path: (p) => `/api/v1/packages/${p}/1.0.0` },
  { route: 'download', path: (p) => `/api/v1/packages/${p}/1.0.0/download` },
  { route: 'docs', path: (p) => `/api/v1/packages/${p}/1.0.0/docs` },
  { route: 'index', path: (p) => `/index/${p}` },
  { route: 'page', path: (p) => `/flock/${p}` },
  { route: 'version page', path: (p) => `/flock/${p}/1.0.0` },
  { route: 'API search', path: (p) => `/api/v1/search?q=${p.split('/')[1]}` },
  { route: 'search page', path: (p) => `/search?q=${p.split('/')[1]}` },
];

type Reader = 'anonymous' | 'non-member' | 'member' | 'owner';
const READERS: Reader[] = ['anonymous', 'non-member', 'member', 'owner'];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe('private packages exist only for their org\'s members', () => {
  let registry: TestRegistry;
  let dir: { path: string; cleanup(): Promise<void> };
  const tokens: Partial<Record<Reader, string>> = {};

  async function get(path: string, reader: Reader): Promise<Answer> {
    const token = tokens[reader];
    const response = await fetch(`${registry.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      // Both differ on every request, whatever was asked.
      if (key !== 'date' && key !== 'x-request-id') headers[key] = value;
    });
    return { status: response.status, headers, body: await response.text() };
  }

  beforeAll(async () => {
    registry = await createTestRegistry();
    dir = await tempDir();
    const home = join(dir.path, 'home');
    await mkdir(home);
    tokens.owner = await registry.createUser('acme');
    tokens['non-member'] = await registry.createUser('stranger');
    await registry.createUser('mia');
    tokens.member = await registry.withServices(async (s) => {
      const org = await s.accounts.requireOrg('acme');
      const mia = await s.accounts.requireUser('mia');
      await s.accounts.setMember({ orgId: org.id, userId: mia.id, role: 'member' });
      return (await s.tokens.create({ userId: mia.id, name: 'read', scopes: ['read'] })).token;
    });
    const env = { HOME: home, FLOCK_REGISTRY: registry.url, FLOCK_TOKEN: tokens.owner };
    await publishSpec(dir.path, { org: 'acme', name: 'open', version: '1.0.0', description: 'Open to all' }, env);
    await publishSpec(dir.path, { org: 'acme', name: 'qzvault', version: '1.0.0', description: 'Members only', visibility: 'private' }, env);
  });

  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  const isSearch = (route: string) => route.includes('search');
  // A hit on the search page links the package; in the API it is an {org, name} object.
  const hit = (name: string) => new RegExp(`href="/flock/acme/${name}"|"org":"acme","name":"${name}"`);

  for (const { route, path } of ROUTES) {
    for (const reader of READERS) {
      const member = reader === 'member' || reader === 'owner';

      it(`${route} as ${reader}: the public package is there`, async () => {
        const answer = await get(path(PUBLIC), reader);
        expect(answer.status).toBe(200);
        if (isSearch(route)) expect(answer.body).toMatch(hit('open'));
      });

      it(`${route} as ${reader}: the private package is ${member ? 'there' : 'exactly as absent as a never-published one'}`, async () => {
        const secret = await get(path(PRIVATE), reader);
        if (member) {
          expect(secret.status).toBe(200);
          if (isSearch(route)) expect(secret.body).toMatch(hit('qzvault'));
          return;
        }
        const never = await get(path(NEVER), reader);
        expect(secret.body).not.toContain('Members only');
        expect(secret.status).toBe(isSearch(route) ? 200 : 404);
        expect({ ...secret, body: secret.body.replaceAll('qzvault', 'qzblank') }).toEqual(never);
        if (isSearch(route)) expect(secret.body).not.toMatch(hit('qzvault'));
      });
    }
  }

  it('search counts never include private packages of other orgs, and member counts do', async () => {
    const count = async (reader: Reader) => (JSON.parse((await get('/api/v1/search?q=', reader)).body) as { total: number }).total;
    expect(await count('anonymous')).toBe(1);
    expect(await count('non-member')).toBe(1);
    expect(await count('member')).toBe(2);
  });

  it('a member\'s token restricted to other orgs, or without the read scope, does not see the private package', async () => {
    const restricted = await registry.withServices(async (s) => {
      const mia = await s.accounts.requireUser('mia');
      const own = await s.accounts.requireOrg('mia');
      const publishOnly = (await s.tokens.create({ userId: mia.id, name: 'publish', scopes: ['publish'] })).token;
      const otherOrg = (await s.tokens.create({ userId: mia.id, name: 'mine', scopes: ['read'], orgIds: [own.id] })).token;
      return [publishOnly, otherOrg];
    });
    for (const token of restricted) {
      const response = await fetch(`${registry.url}/index/${PRIVATE}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(404);
    }
  });

  it('private answers are Cache-Control private; public ones public', async () => {
    expect((await get(`/index/${PRIVATE}`, 'member')).headers['cache-control']).toMatch(/^private/);
    // The registry's own answer: the bytes, or (on S3) the redirect to them.
    const download = await fetch(`${registry.url}/api/v1/packages/${PRIVATE}/1.0.0/download`, { redirect: 'manual', headers: { authorization: `Bearer ${tokens.member}` } });
    expect(download.headers.get('cache-control')).toMatch(/^private/);
    expect((await get(`/flock/${PRIVATE}`, 'member')).headers['cache-control']).toMatch(/^private/);
    expect((await get(`/index/${PUBLIC}`, 'anonymous')).headers['cache-control']).toMatch(/^public/);
  });
});
