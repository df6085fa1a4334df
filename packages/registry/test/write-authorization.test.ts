import { parseOrgName, parseTrustedPublisherInput } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { startTestS3, type TestS3 } from '../../../test-support/s3.js';
import { appWriteRoutes } from '../../../test-support/app-routes.js';
import type { Scope } from '../src/auth/principal.js';

// Every write route of the app, each tried with three tokens of the same user, who may do it:
// one with every scope for all of their orgs (allowed), one with every scope but restricted to
// another of their orgs, and one lacking the route's scope (both refused, changing nothing).
// The route list comes from the app itself: a write route missing here fails the first test.

const ALL_SCOPES: Scope[] = ['publish', 'yank', 'read', 'manage'];

interface Call {
  path: string;
  method: string;
  body?: string | Uint8Array;
}

interface WriteRoute {
  /** The scope the route needs beyond membership and role. */
  scope: Scope;
  /** A fresh request each time it is called (a new version, a new token to revoke). */
  call: () => Promise<Call>;
}

/** Page forms act only for a signed-in browser: a bearer token there is sent to sign in. Sign-in itself needs no one. */
const SIGN_IN_FORMS = ['POST /login', 'POST /signup', 'POST /logout'];
/**
 * API writes that act on no org: the device flow's two calls come before there
 * is a token (device-flow.test.ts covers their limits), and a token revoking
 * itself needs no scope (ibid.: it revokes only the token that calls it). The OIDC
 * exchange takes a CI's ID token instead of a Flock token (oidc-exchange.test.ts).
 */
const TOKENLESS_WRITES = ['DELETE /api/v1/tokens/current', 'POST /api/v1/device/code', 'POST /api/v1/device/token', 'POST /api/v1/log/cosignatures', 'POST /api/v1/oidc/exchange'];

describe('every write route checks the token: its scope and its org restriction', () => {
  let registry: TestRegistry;
  let s3: TestS3;
  let full: string;
  let elsewhere: string;
  const lacking: Partial<Record<Scope, string>> = {};
  let versions = 0;
  let orgs = 0;
  let held = 0;

  /** A fresh version of acme/widget held for approval (a copy of 1.0.0's row), for approve and reject to act on. */
  async function heldVersion(): Promise<string> {
    const version = `3.0.${held++}`;
    const row = await registry.db.selectFrom('versions').selectAll().where('version', '=', '1.0.0').executeTakeFirstOrThrow();
    const copy = { ...row, id: `held-${version}`, version };
    await registry.db.insertInto('held_versions')
      .values({ id: copy.id, package_id: row.package_id, version, row: JSON.stringify(copy), flags: '["new-credential"]', held_at: row.published_at, rejected_at: null, decided_by: null })
      .execute();
    return version;
  }

  const mint = (scopes: Scope[], orgNames: string[] | null = null, name = scopes.join('-')) =>
    registry.withServices(async (s) => {
      const ada = await s.accounts.requireUser('ada');
      const orgIds = orgNames && (await Promise.all(orgNames.map(async (o) => (await s.accounts.requireOrg(o)).id)));
      return s.tokens.create({ userId: ada.id, name, scopes, orgIds });
    });
  const json = (value: unknown) => JSON.stringify(value);
  const webhook = () => registry.withServices(async (s) =>
    s.webhooks.add({ userId: (await s.accounts.requireUser('ada')).id, username: 'ada', token: null }, parseOrgName('acme'), { url: 'https://webhooks.invalid/hook', events: null, active: false }));
  /** A finished delivery of acme's first event to a fresh webhook, for redeliver to act on. */
  async function delivery(): Promise<string> {
    const hook = await webhook();
    const event = await registry.db.selectFrom('org_events').select('id').orderBy('id').executeTakeFirstOrThrow();
    const id = `delivery-${hook.id}`;
    await registry.db.insertInto('webhook_deliveries').values({
      id, webhook_id: hook.id, event_id: event.id, status: 'delivered', attempts: 1, next_attempt_at: hook.createdAt, claimed_until: null,
      last_http_status: 200, last_error: null, created_at: hook.createdAt, done_at: hook.createdAt,
    }).execute();
    return id;
  }
  let publishers = 0;
  const publisher = () => ({ issuer: 'https://issuer.example', audience: 'https://flock.example', claims: { repository: `acme/widget-${publishers++}` } });

  const WRITES: Record<string, WriteRoute> = {
    'PUT /api/v1/packages/:org/:name/:version': {
      scope: 'publish',
      call: async () => {
        const version = `2.0.${versions++}`;
        return { method: 'PUT', path: `/api/v1/packages/acme/widget/${version}`, body: await manifestOnlyArchive('acme', 'widget', version) };
      },
    },
    'PUT /api/v1/packages/:org/:name/:version/docs': {
      scope: 'publish',
      call: async () => ({
        method: 'PUT', path: '/api/v1/packages/acme/widget/1.0.0/docs',
        body: json({ schema: 'flock-docs/1', package: { org: 'acme', name: 'widget', version: '1.0.0' }, modules: [] }),
      }),
    },
    'POST /api/v1/packages/:org/:name/:version/yank': {
      scope: 'yank',
      call: async () => ({ method: 'POST', path: '/api/v1/packages/acme/widget/1.0.0/yank', body: json({ reason: 'broken' }) }),
    },
    'DELETE /api/v1/packages/:org/:name/:version/yank': { scope: 'yank', call: async () => ({ method: 'DELETE', path: '/api/v1/packages/acme/widget/1.0.0/yank' }) },
    // Before the visibility change below, which makes widget private (a token restricted elsewhere then finds nothing: 404).
    'PUT /api/v1/packages/:org/:name/deprecation': {
      scope: 'publish',
      call: async () => ({ method: 'PUT', path: '/api/v1/packages/acme/widget/deprecation', body: json({ message: 'use acme/gadget' }) }),
    },
    'DELETE /api/v1/packages/:org/:name/deprecation': { scope: 'publish', call: async () => ({ method: 'DELETE', path: '/api/v1/packages/acme/widget/deprecation' }) },
    // Before the visibility change too (same reason).
    'POST /api/v1/packages/:org/:name/:version/approve': {
      scope: 'publish',
      call: async () => ({ method: 'POST', path: `/api/v1/packages/acme/widget/${await heldVersion()}/approve` }),
    },
    'POST /api/v1/packages/:org/:name/:version/reject': {
      scope: 'publish',
      call: async () => ({ method: 'POST', path: `/api/v1/packages/acme/widget/${await heldVersion()}/reject` }),
    },
    'PUT /api/v1/packages/:org/:name/settings': {
      scope: 'manage',
      call: async () => ({ method: 'PUT', path: '/api/v1/packages/acme/widget/settings', body: json({ trustedPublishingOnly: false }) }),
    },
    'POST /api/v1/packages/:org/:name/visibility': {
      scope: 'publish',
      call: async () => ({ method: 'POST', path: '/api/v1/packages/acme/widget/visibility', body: json({ visibility: 'private' }) }),
    },
    'POST /api/v1/orgs': { scope: 'manage', call: async () => ({ method: 'POST', path: '/api/v1/orgs', body: json({ name: `new-org-${orgs++}` }) }) },
    'POST /api/v1/orgs/:org/members': {
      scope: 'manage',
      call: async () => ({ method: 'POST', path: '/api/v1/orgs/acme/members', body: json({ username: 'bea', role: 'member' }) }),
    },
    'PUT /api/v1/orgs/:org/members/:user': { scope: 'manage', call: async () => ({ method: 'PUT', path: '/api/v1/orgs/acme/members/bea', body: json({ role: 'owner' }) }) },
    'DELETE /api/v1/orgs/:org/members/:user': { scope: 'manage', call: async () => ({ method: 'DELETE', path: '/api/v1/orgs/acme/members/bea' }) },
    'POST /api/v1/orgs/:org/leave': { scope: 'manage', call: async () => ({ method: 'POST', path: '/api/v1/orgs/club/leave' }) },
    'PUT /api/v1/orgs/:org/store': {
      scope: 'manage',
      call: async () => ({
        method: 'PUT', path: '/api/v1/orgs/acme/store',
        body: json({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'whatever' }),
      }),
    },
    'DELETE /api/v1/orgs/:org/store': { scope: 'manage', call: async () => ({ method: 'DELETE', path: '/api/v1/orgs/acme/store' }) },
    'POST /api/v1/orgs/:org/trusted-publishers': {
      scope: 'manage',
      call: async () => ({ method: 'POST', path: '/api/v1/orgs/acme/trusted-publishers', body: json(publisher()) }),
    },
    'DELETE /api/v1/orgs/:org/trusted-publishers/:id': {
      scope: 'manage',
      call: async () => {
        const added = await registry.withServices(async (s) => {
          const ada = await s.accounts.requireUser('ada');
          return s.trustedPublishers.add({ userId: ada.id, username: 'ada', token: null }, parseOrgName('acme'), parseTrustedPublisherInput(publisher()));
        });
        return { method: 'DELETE', path: `/api/v1/orgs/acme/trusted-publishers/${added.id}` };
      },
    },
    // Inactive and at a name that never resolves: nothing is queued for it, and nothing could be sent.
    'POST /api/v1/orgs/:org/webhooks': {
      scope: 'manage',
      call: async () => ({ method: 'POST', path: '/api/v1/orgs/acme/webhooks', body: json({ url: 'https://webhooks.invalid/hook', active: false }) }),
    },
    'DELETE /api/v1/orgs/:org/webhooks/:id': {
      scope: 'manage',
      call: async () => ({ method: 'DELETE', path: `/api/v1/orgs/acme/webhooks/${(await webhook()).id}` }),
    },
    'POST /api/v1/orgs/:org/webhooks/deliveries/:delivery/redeliver': {
      scope: 'manage',
      call: async () => ({ method: 'POST', path: `/api/v1/orgs/acme/webhooks/deliveries/${await delivery()}/redeliver` }),
    },
    // holdUnusual off: the setting is written (and audited) without holding the publishes tried above.
    'PUT /api/v1/orgs/:org/settings': { scope: 'manage', call: async () => ({ method: 'PUT', path: '/api/v1/orgs/acme/settings', body: json({ holdUnusual: false }) }) },
    'POST /api/v1/tokens': { scope: 'manage', call: async () => ({ method: 'POST', path: '/api/v1/tokens', body: json({ name: 'minted', scopes: ['read'] }) }) },
    'DELETE /api/v1/tokens/:id': { scope: 'manage', call: async () => ({ method: 'DELETE', path: `/api/v1/tokens/${(await mint(['read'], null, 'victim')).row.id}` }) },
    'POST /api/v1/tokens/:id/rotate': {
      scope: 'manage',
      call: async () => ({ method: 'POST', path: `/api/v1/tokens/${(await mint(['read'], null, 'victim')).row.id}/rotate` }),
    },
  };

  /** What a write could change; last_used_at is left out, since every use of a token writes it. */
  async function state() {
    const { db } = registry;
    return {
      tokens: await db.selectFrom('tokens').select(['id', 'name', 'token_hash', 'scopes', 'org_ids', 'revoked_at']).orderBy('id').execute(),
      orgs: await db.selectFrom('orgs').select(['id', 'name']).orderBy('id').execute(),
      memberships: await db.selectFrom('memberships').select(['org_id', 'user_id', 'role']).orderBy('org_id').orderBy('user_id').execute(),
      stores: await db.selectFrom('org_stores').selectAll().orderBy('org_id').execute(),
      orgSettings: await db.selectFrom('orgs').select(['id', 'trusted_publishing_only', 'hold_unusual']).orderBy('id').execute(),
      packageSettings: await db.selectFrom('packages').select(['id', 'trusted_publishing_only']).orderBy('id').execute(),
      trustedPublishers: await db.selectFrom('trusted_publishers').select(['id', 'removed_at']).orderBy('id').execute(),
      packages: await db.selectFrom('packages').select(['id', 'name', 'visibility', 'deprecation']).orderBy('id').execute(),
      versions: await db.selectFrom('versions').select(['id', 'version', 'yanked', 'yank_reason', 'docs_key']).orderBy('id').execute(),
      held: await db.selectFrom('held_versions').select(['id', 'rejected_at', 'decided_by']).orderBy('id').execute(),
      audit: await db.selectFrom('audit_events').select('id').orderBy('id').execute(),
      // What the delivery worker changes meanwhile (attempts, status) is left out.
      events: await db.selectFrom('org_events').select('id').orderBy('id').execute(),
      webhooks: await db.selectFrom('webhooks').select(['id', 'url', 'types', 'active']).orderBy('id').execute(),
      deliveries: await db.selectFrom('webhook_deliveries').select(['id', 'webhook_id', 'event_id']).orderBy('id').execute(),
      blobs: await registry.listBlobs(),
    };
  }

  const send = (call: Call, token: string) =>
    fetch(`${registry.url}${call.path}`, {
      method: call.method, redirect: 'manual', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(call.body === undefined ? {} : { body: call.body as RequestInit['body'] }),
    });

  beforeAll(async () => {
    registry = await createTestRegistry();
    s3 = await startTestS3('acme-own-store');
    const owner = await registry.createUser('ada');
    await registry.createUser('bea');
    await registry.withServices(async (s) => {
      const [ada, bea] = [await s.accounts.requireUser('ada'), await s.accounts.requireUser('bea')];
      await s.accounts.createOrg({ name: 'acme', ownerId: ada.id });
      await s.accounts.createOrg({ name: 'other', ownerId: ada.id });
      // ada is a plain member of club, which she may leave.
      const club = await s.accounts.createOrg({ name: 'club', ownerId: bea.id });
      await s.accounts.setMember({ orgId: club.id, userId: ada.id, role: 'member' });
    });
    const first = await fetch(`${registry.url}/api/v1/packages/acme/widget/1.0.0`, { method: 'PUT', headers: { authorization: `Bearer ${owner}` }, body: await manifestOnlyArchive('acme', 'widget', '1.0.0') });
    expect(first.status).toBe(200);
    full = (await mint(ALL_SCOPES, null, 'full')).token;
    elsewhere = (await mint(ALL_SCOPES, ['other'], 'other-only')).token;
    for (const scope of ALL_SCOPES) lacking[scope] = (await mint(ALL_SCOPES.filter((s) => s !== scope), null, `without-${scope}`)).token;
  });
  afterAll(async () => {
    await registry?.close();
    await s3?.close();
  });

  it('the table names every write route of the API, and every other write route is a page form', () => {
    const routes = appWriteRoutes();
    expect(routes.filter((r) => TOKENLESS_WRITES.includes(r))).toEqual(TOKENLESS_WRITES);
    expect(routes.filter((r) => r.split(' ')[1]!.startsWith('/api/') && !TOKENLESS_WRITES.includes(r))).toEqual(Object.keys(WRITES).sort());
    expect(routes.filter((r) => !r.split(' ')[1]!.startsWith('/api/') && !SIGN_IN_FORMS.includes(r))).toEqual(Object.keys(PAGE_FORMS).sort());
  });

  for (const [route, write] of Object.entries(WRITES)) {
    it(`${route}: refused for a token of another org and one without ${write.scope}; allowed for an unrestricted one`, async () => {
      for (const [label, token] of [['restricted to another org', elsewhere], [`without ${write.scope}`, lacking[write.scope]!]] as const) {
        const call = await write.call();
        const before = await state();
        const response = await send(call, token);
        expect([label, response.status]).toEqual([label, 403]);
        const body = (await response.json()) as { error: string };
        expect(Object.keys(body)).toEqual(['error']);
        expect(await state()).toEqual(before);
      }
      const allowed = await send(await write.call(), full);
      expect(`${allowed.status} ${await allowed.text()}`).toMatch(/^20[01] /);
    });
  }

  // Each page form, with the full token as a bearer: never acted on, only sent to sign in.
  const PAGE_FORMS: Record<string, string> = {
    'POST /account/tokens': '/account/tokens',
    'POST /account/tokens/:id/rotate': '/account/tokens/x/rotate',
    'POST /account/tokens/:id/revoke': '/account/tokens/x/revoke',
    'POST /account/sessions/others': '/account/sessions/others',
    'POST /account/orgs': '/account/orgs',
    'POST /flock/:org/members': '/flock/acme/members',
    'POST /flock/:org/members/:user/role': '/flock/acme/members/bea/role',
    'POST /flock/:org/members/:user/remove': '/flock/acme/members/bea/remove',
    'POST /flock/:org/store': '/flock/acme/store',
    'POST /flock/:org/store/remove': '/flock/acme/store/remove',
    'POST /flock/:org/leave': '/flock/club/leave',
    'POST /flock/:org/webhooks': '/flock/acme/webhooks',
    'POST /flock/:org/webhooks/:id/remove': '/flock/acme/webhooks/x/remove',
    'POST /flock/:org/webhooks/deliveries/:delivery/redeliver': '/flock/acme/webhooks/deliveries/x/redeliver',
    'POST /flock/:org/:name/visibility': '/flock/acme/widget/visibility',
    'POST /flock/:org/trusted-publishers': '/flock/acme/trusted-publishers',
    'POST /flock/:org/trusted-publishers/:id/remove': '/flock/acme/trusted-publishers/x/remove',
    'POST /flock/:org/settings': '/flock/acme/settings',
    'POST /flock/:org/:name/trusted-publishers': '/flock/acme/widget/trusted-publishers',
    'POST /flock/:org/:name/trusted-publishers/:id/remove': '/flock/acme/widget/trusted-publishers/x/remove',
    'POST /flock/:org/:name/settings': '/flock/acme/widget/settings',
    'POST /flock/:org/:name/:version/approve': '/flock/acme/widget/1.0.0/approve',
    'POST /flock/:org/:name/:version/reject': '/flock/acme/widget/1.0.0/reject',
    'POST /device': '/device',
  };

  it('page forms ignore bearer tokens: they redirect to sign in and change nothing', async () => {
    for (const [route, path] of Object.entries(PAGE_FORMS)) {
      const before = await state();
      const response = await fetch(`${registry.url}${path}`, {
        method: 'POST', redirect: 'manual', headers: { authorization: `Bearer ${full}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=page-org&username=bea&role=owner&visibility=public',
      });
      expect([route, response.status, response.headers.get('location')]).toEqual([route, 303, expect.stringMatching(/^\/login\?next=/)]);
      expect(await state()).toEqual(before);
    }
  });
});
