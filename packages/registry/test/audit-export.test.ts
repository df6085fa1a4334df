import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY_BIN, runBin, tempDir } from '../../../test-support/cli.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

// Issue 16, part 6: the audit log, paged for users and org owners, exported whole for operators.

interface Page {
  events: Array<{ id: string; at: string; action: string; actor: string | null; token: string | null; org: string | null; subject: string | null }>;
  next: string | null;
}

describe('audit API and export', () => {
  let registry: TestRegistry;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  /** Every scope (manage included) for ada, owner of acme; bob is a member of acme; eve is in no org of theirs. */
  let ada: string;
  let bob: string;
  let eve: string;
  let adaDefault: string;
  let acmeId: string;
  let adaId: string;

  const get = (path: string, token?: string) => fetch(`${registry.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const operator = (...args: string[]) => runBin(REGISTRY_BIN, args, { cwd: dir.path, env: registry.env });

  /** Every page of `path` at `limit` per page. */
  async function allPages(path: string, token: string, limit: number): Promise<{ pages: number; events: Page['events'] }> {
    const events: Page['events'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page;
      expect(page.events.length).toBeLessThanOrEqual(limit);
      events.push(...page.events);
      cursor = page.next;
      pages++;
    } while (cursor !== null && pages < 100);
    return { pages, events };
  }

  const newestFirst = (a: { at: string; id: string }, b: { at: string; id: string }) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1);

  beforeAll(async () => {
    dir = await tempDir();
    registry = await createTestRegistry();
    ada = await registry.createUser('ada');
    bob = await registry.createUser('bob');
    eve = await registry.createUser('eve');
    await registry.withServices(async (s) => {
      const adaUser = await s.accounts.requireUser('ada');
      adaId = adaUser.id;
      acmeId = (await s.accounts.createOrg({ name: 'acme', ownerId: adaUser.id })).id;
      await s.accounts.setMember({ orgId: acmeId, userId: (await s.accounts.requireUser('bob')).id, role: 'member' });
      adaDefault = (await s.tokens.create({ userId: adaUser.id, name: 'default' })).token;
    });
    // Events with the same time too: the pages break ties by id and must still give each event once.
    const rows = Array.from({ length: 23 }, (_, i) => ({
      id: randomUUID(),
      at: new Date(Date.UTC(2025, 0, 1, 12, 0, Math.floor(i / 3))).toISOString(),
      actor_id: i % 4 === 3 ? null : adaId,
      actor_name: i % 4 === 3 ? 'trusted publisher' : 'ada',
      token_id: null,
      token_name: i % 2 === 0 ? 'laptop' : null,
      action: i % 2 === 0 ? 'publish' : 'member.add',
      org_id: i % 5 === 0 ? null : acmeId,
      subject: `event ${i}`,
    }));
    await registry.db.insertInto('audit_events').values(rows).execute();
    // Someone else's event, in no org of ada's.
    await registry.db.insertInto('audit_events').values({ ...rows[0]!, id: randomUUID(), actor_id: (await registry.withServices((s) => s.accounts.requireUser('eve'))).id, actor_name: 'eve', org_id: null }).execute();
  });
  afterAll(async () => {
    await registry?.close();
    await dir?.cleanup();
  });

  it('pages through your own events: each exactly once, newest first, then next is null', async () => {
    const mine = (await registry.db.selectFrom('audit_events').selectAll().where('actor_id', '=', adaId).execute()).sort(newestFirst);
    expect(mine.length).toBeGreaterThan(10);
    const { pages, events } = await allPages('/api/v1/me/audit', ada, 4);
    expect(pages).toBe(Math.ceil(mine.length / 4));
    expect(events.map((e) => e.id)).toEqual(mine.map((e) => e.id));
    expect(events[0]).toEqual({ id: mine[0]!.id, at: mine[0]!.at, action: mine[0]!.action, actor: 'ada', token: mine[0]!.token_name, org: mine[0]!.org_id === null ? null : 'acme', subject: mine[0]!.subject });
    expect(events.map((e) => e.actor)).not.toContain('eve');
  });

  it('pages through an org\'s events for its owner', async () => {
    const org = (await registry.db.selectFrom('audit_events').selectAll().where('org_id', '=', acmeId).execute()).sort(newestFirst);
    const { events } = await allPages('/api/v1/orgs/acme/audit', ada, 7);
    expect(events.map((e) => e.id)).toEqual(org.map((e) => e.id));
    expect(new Set(events.map((e) => e.org))).toEqual(new Set(['acme']));
    // The default page and the largest.
    expect(((await (await get('/api/v1/orgs/acme/audit', ada)).json()) as Page).events).toHaveLength(Math.min(50, org.length));
    expect((await get('/api/v1/orgs/acme/audit?limit=200', ada)).status).toBe(200);
  });

  it('refuses those who may not read them', async () => {
    expect((await get('/api/v1/me/audit')).status).toBe(401);
    expect((await get('/api/v1/orgs/acme/audit')).status).toBe(401);
    // Account-wide, like the account's tokens: a token needs the manage scope.
    expect((await get('/api/v1/me/audit', adaDefault)).status).toBe(403);
    expect((await get('/api/v1/orgs/acme/audit', adaDefault)).status).toBe(403);
    expect((await get('/api/v1/orgs/acme/audit', bob)).status).toBe(403);
    expect((await get('/api/v1/orgs/acme/audit', eve)).status).toBe(403);
    expect((await get('/api/v1/orgs/no-such-org/audit', ada)).status).toBe(404);
    const eveOwn = (await (await get('/api/v1/me/audit', eve)).json()) as Page;
    expect(eveOwn.events.map((e) => e.actor)).toEqual(['eve']);
  });

  it('answers a malformed cursor or limit 400', async () => {
    const bad = ['cursor=abc', 'cursor=%5B%5D', `cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`, `cursor=${'A'.repeat(400)}`, 'limit=0', 'limit=201', 'limit=ten', 'limit=-1'];
    for (const query of bad) {
      const response = await get(`/api/v1/me/audit?${query}`, ada);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error, query).toMatch(/^Invalid (cursor|limit)/);
    }
  });

  it('flock-registry audit export writes every event as one JSON line, oldest first', async () => {
    const table = await registry.db.selectFrom('audit_events').selectAll().execute();
    const oldestFirst = [...table].sort(newestFirst).reverse();
    const result = await operator('audit', 'export', '--format', 'ndjson');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual(oldestFirst.map((r) => ({
      id: r.id, at: r.at, action: r.action, actorId: r.actor_id, actor: r.actor_name, tokenId: r.token_id, token: r.token_name,
      orgId: r.org_id, org: r.org_id === acmeId ? 'acme' : null, subject: r.subject,
    })));

    const acme = await operator('audit', 'export', '--format', 'ndjson', '--org', 'acme', '--since', '2025-01-01T12:00:02Z', '--until', '2025-01-01T12:00:05Z');
    expect(acme.code, acme.stderr).toBe(0);
    const expected = oldestFirst.filter((r) => r.org_id === acmeId && r.at >= '2025-01-01T12:00:02.000Z' && r.at < '2025-01-01T12:00:05.000Z').map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(acme.lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(expected);
  });

  it('the export pages through the table: more rows than one page, each once', async () => {
    const seen: string[] = [];
    await registry.withServices(async (s) => {
      for await (const row of s.auditPages.exportAll({ pageSize: 5 })) seen.push(row.id);
    });
    const table = await registry.db.selectFrom('audit_events').select(['id', 'at']).execute();
    expect(table.length).toBeGreaterThan(10);
    expect(seen).toEqual([...table].sort(newestFirst).reverse().map((r) => r.id));
  });

  it('refuses a missing format, a bad time or an unknown org with one line', async () => {
    for (const args of [[], ['--format', 'csv'], ['--format', 'ndjson', '--since', 'last tuesday'], ['--format', 'ndjson', '--org', 'no-such-org']]) {
      const result = await operator('audit', 'export', ...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
