import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// POST /api/v1/tokens checks its input once, at the edge: a bad request is a 400 with one line
// and no token, never a token for some other day or a misleading 403.
describe('new-token requests are validated', () => {
  let registry: TestRegistry;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    token = await registry.createUser('carol');
  });
  afterAll(() => registry?.close());

  const create = (body: Record<string, unknown>) =>
    fetch(`${registry.url}/api/v1/tokens`, {
      method: 'POST', body: JSON.stringify({ name: 'ci', scopes: ['publish'], ...body }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
  const countTokens = async () => (await registry.db.selectFrom('tokens').select('id').execute()).length;
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  it.each([
    ['a day that does not exist', { expiresAt: '2027-02-30' }, 'Invalid expiry "2027-02-30": not a real date'],
    ['a timestamp on a day that does not exist', { expiresAt: '2027-04-31T12:00:00Z' }, 'Invalid expiry "2027-04-31T12:00:00Z": not a real date'],
    ['an expiry past the 3650-day cap', { expiresAt: '9999-12-31' }, 'Invalid expiry "9999-12-31": at most 3650 days from now'],
    ['an expiry one day past the cap', { expiresAt: day(3651) }, `Invalid expiry "${day(3651)}": at most 3650 days from now`],
    ['an expiry that is not text', { expiresAt: 20270131 }, 'Invalid expiry: use a date such as 2027-01-31'],
    ['orgs holding an object', { orgs: [{ a: 1 }] }, 'Invalid orgs: use a list of organization names'],
    ['orgs that are neither a list nor text', { orgs: { carol: true } }, 'Invalid orgs: use a list of organization names'],
    ['an org that is no valid name', { orgs: ['Carol!'] }, /^Invalid org name "Carol!": /],
  ])('refuses %s with 400, creating no token', async (_label, body, error: string | RegExp) => {
    const before = await countTokens();
    const response = await create(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: typeof error === 'string' ? error : expect.stringMatching(error) });
    expect(await countTokens()).toBe(before);
  });

  it('accepts a real day within the cap, kept through its end (UTC), and a leap day', async () => {
    const last = await create({ expiresAt: day(3650) });
    expect(last.status).toBe(201);
    expect(((await last.json()) as { info: { expiresAt: string } }).info.expiresAt).toBe(`${day(3650)}T23:59:59.999Z`);
    const leap = await create({ name: 'leap', expiresAt: '2028-02-29', orgs: ['carol'] });
    expect(leap.status).toBe(201);
    expect(await leap.json()).toMatchObject({ info: { expiresAt: '2028-02-29T23:59:59.999Z', orgs: ['carol'] } });
  });
});
