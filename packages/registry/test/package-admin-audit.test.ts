import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';

describe('yank, unyank and visibility changes are in the audit log', () => {
  let registry: TestRegistry;
  let token: string;

  beforeAll(async () => {
    registry = await createTestRegistry();
    token = await registry.createUser('ada');
    const published = await fetch(`${registry.url}/api/v1/packages/ada/gizmo/1.0.0`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: await manifestOnlyArchive('ada', 'gizmo', '1.0.0'),
    });
    expect(published.status).toBe(200);
  });
  afterAll(() => registry?.close());

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${registry.url}/api/v1/packages/ada/gizmo${path}`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const orgLog = async () => {
    const events = await registry.withServices(async (s) => s.audit.forOrg((await s.accounts.requireOrg('ada')).id));
    return events.map((e) => `${e.actor_name} ${e.action} ${e.subject} ${e.token_name}`).reverse();
  };

  it('records who yanked, unyanked and changed visibility, with which token', async () => {
    expect((await call('POST', '/1.0.0/yank')).status).toBe(200);
    expect((await call('DELETE', '/1.0.0/yank')).status).toBe(200);
    expect((await call('POST', '/visibility', { visibility: 'private' })).status).toBe(200);
    expect(await orgLog()).toEqual([
      'ada publish ada/gizmo@1.0.0 test',
      'ada yank ada/gizmo@1.0.0 test',
      'ada unyank ada/gizmo@1.0.0 test',
      'ada visibility ada/gizmo (private) test',
    ]);
  });

  it('writes the audit row in the same transaction: no audit row, no yank', async () => {
    const yanked = async () => (await registry.db.selectFrom('versions').select('yanked').executeTakeFirstOrThrow()).yanked;
    // A real failure of the audit write: its table is briefly gone.
    await sql`ALTER TABLE audit_events RENAME TO audit_events_away`.execute(registry.db);
    try {
      expect((await call('POST', '/1.0.0/yank')).status).toBe(500);
    } finally {
      await sql`ALTER TABLE audit_events_away RENAME TO audit_events`.execute(registry.db);
    }
    expect(Number(await yanked())).toBe(0);
  });
});
