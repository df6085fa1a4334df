import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../../../test-support/fake-github.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

const FORM = 'application/x-www-form-urlencoded';
// Pages escape quotes; the message is compared as the browser shows it.
const pageText = async (response: Response) => (await response.text()).replaceAll('&quot;', '"');

// Names that would pass for the registry itself are for operators only (operator.test.ts shows they can).
describe('reserved org names', () => {
  let github: FakeGithub;
  let registry: TestRegistry;
  let token: string;
  let cookie: string;
  let csrf: string;

  const count = async (table: 'orgs' | 'users') => (await registry.db.selectFrom(table).select('id').execute()).length;

  beforeAll(async () => {
    github = await startFakeGithub();
    registry = await createTestRegistry({ ...github.env, FLOCK_LOCAL_ACCOUNTS: 'on' });
    token = await registry.createUser('ada');
    const signUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=grace&password=a+long+password', headers: { 'content-type': FORM, origin: registry.url },
    });
    cookie = signUp.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${registry.url}/account`, { headers: { cookie } })).text())![1]!;
  });
  afterAll(async () => {
    await registry?.close();
    await github?.close();
  });

  it.each([
    ['admin', 'The name "admin" is reserved'],
    ['healthz', 'The name "healthz" is reserved'],
    ['ad-min', 'The name "ad-min" is reserved (it reads as "admin")'],
    ['sign-up', 'The name "sign-up" is reserved (it reads as "signup")'],
  ])('the API refuses to create the org %s: 409, one line, nothing stored', async (name, error) => {
    const before = await count('orgs');
    const response = await fetch(`${registry.url}/api/v1/orgs`, {
      method: 'POST', body: JSON.stringify({ name }), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error });
    expect(await count('orgs')).toBe(before);
  });

  it('the account page form refuses a reserved org name with the message, and still creates others', async () => {
    const create = (name: string) => fetch(`${registry.url}/account/orgs`, {
      method: 'POST', redirect: 'manual', body: `name=${name}&_csrf=${csrf}`, headers: { cookie, 'content-type': FORM, origin: registry.url },
    });
    const before = await count('orgs');
    const refused = await create('fl-ock');
    expect(refused.status).toBe(409);
    expect(await pageText(refused)).toContain('The name "fl-ock" is reserved (it reads as "flock")');
    expect(await count('orgs')).toBe(before);
    expect((await create('flock-fans')).status).toBe(303);
  });

  it('sign-up refuses a reserved username with the message, creating no user', async () => {
    const before = await count('users');
    const response = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=login&password=a+long+password', headers: { 'content-type': FORM, origin: registry.url },
    });
    expect(response.status).toBe(409);
    expect(response.headers.getSetCookie().some((h) => h.startsWith('flock_session='))).toBe(false);
    expect(await pageText(response)).toContain('The name "login" is reserved');
    expect(await count('users')).toBe(before);
  });

  it('a first GitHub sign-in as "Admin" is let in as admin-2, as for a taken name', async () => {
    github.signInAs({ id: 501, login: 'Admin' });
    const start = await fetch(`${registry.url}/login/github?next=/account`, { redirect: 'manual' });
    const binding = start.headers.getSetCookie().find((h) => h.startsWith('flock_oauth='))!.split(';')[0]!;
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const done = await fetch(authorize.headers.get('location')!, { redirect: 'manual', headers: { cookie: binding } });
    expect(done.status).toBe(303);
    const user = await registry.db.selectFrom('users').select('username').where('github_id', '=', '501').executeTakeFirstOrThrow();
    expect(user.username).toBe('admin-2');
    expect(await registry.db.selectFrom('orgs').select('name').where('name', '=', 'admin').execute()).toEqual([]);
  });
});
