import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { startTestS3 } from '../../../test-support/s3.js';
import { eventually, signatureVerifies, startReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';

// Webhooks end to end on a real server: a receiver on 127.0.0.1 that fails three times first gets the
// publish exactly once (4 attempts, one delivery id, a signature that checks out); the pull feed lists
// the same events in order; owners manage webhooks through the API and the org page.
const FAST = { FLOCK_WEBHOOK_PRIVATE_TARGETS: '1', FLOCK_WEBHOOK_RETRY_BASE_MS: '50', FLOCK_WEBHOOK_POLL_MS: '50' };

type Json = Record<string, any>;

function client(registry: TestRegistry) {
  return async (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${registry.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: init.body instanceof Uint8Array ? init.body : JSON.stringify(init.body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
}

describe('webhooks and the org events feed', () => {
  let registry: TestRegistry;
  let api: ReturnType<typeof client>;
  let ada: string;
  let bea: string;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    registry = await createTestRegistry(FAST);
    api = client(registry);
    ada = await registry.createUser('ada');
    bea = await registry.createUser('bea');
    await registry.withServices(async (s) => {
      await s.accounts.createOrg({ name: 'acme', ownerId: (await s.accounts.requireUser('ada')).id });
    });
  });
  afterAll(async () => {
    await registry?.close();
    for (const r of receivers) await r.close();
  });

  const receiver = async (statuses: number[] = []) => {
    const r = await startReceiver(statuses);
    receivers.push(r);
    return r;
  };
  const publish = async (org: string, name: string, version: string, token = ada) => {
    const response = await api(`/api/v1/packages/${org}/${name}/${version}`, token, { method: 'PUT', body: await manifestOnlyArchive(org, name, version) });
    expect(response.status).toBe(200);
  };

  it('a publish reaches a receiver that fails three times exactly once: 4 attempts, one delivery id, a valid signature', async () => {
    const flaky = await receiver([500, 500, 500]);
    const added = await api('/api/v1/orgs/acme/webhooks', ada, { method: 'POST', body: { url: flaky.url, events: ['publish'] } });
    expect(added.status).toBe(201);
    const secret = added.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    // Sealed at rest: the secret itself is nowhere in the row.
    const stored = await registry.db.selectFrom('webhooks').selectAll().where('id', '=', added.body.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secret.slice(6));

    await publish('acme', 'widget', '1.0.0');
    const hooks = await flaky.waitFor(4);
    const delivery = await eventually(async () => {
      const list = await api(`/api/v1/orgs/acme/webhooks/${added.body.id}/deliveries`, ada);
      return list.body[0]?.status === 'delivered' ? list.body[0] : null;
    }, 'the delivery to be recorded as delivered');
    // Several more polls later, nothing more was sent.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(flaky.received.map((h) => h.status)).toEqual([500, 500, 500, 200]);
    expect(delivery).toMatchObject({ attempts: 4, lastHttpStatus: 200, event: { type: 'publish' } });
    expect(new Set(hooks.map((h) => h.headers['flock-delivery']))).toEqual(new Set([delivery.id]));
    for (const hook of hooks) {
      expect(hook.headers['flock-event']).toBe('publish');
      expect(hook.headers['content-type']).toBe('application/json');
      expect(signatureVerifies(secret, hook)).toBe(true);
      expect(signatureVerifies(`${secret}x`, hook)).toBe(false);
    }
    expect(new Set(hooks.map((h) => h.body)).size).toBe(1);
    const body = JSON.parse(hooks[0]!.body) as Json;
    expect(body).toMatchObject({ type: 'publish', org: 'acme', actor: { name: 'ada', token: 'test' }, data: { package: 'widget', version: '1.0.0', visibility: 'public' } });
    expect(body.id).toBe(delivery.event.id);
    const attempts = await registry.db.selectFrom('webhook_attempts').select(['attempt', 'outcome', 'http_status', 'error']).where('delivery_id', '=', delivery.id).orderBy('attempt').execute();
    expect(attempts.map((a) => [Number(a.attempt), a.outcome, Number(a.http_status), a.error])).toEqual([
      [1, 'retry', 500, 'HTTP 500'], [2, 'retry', 500, 'HTTP 500'], [3, 'retry', 500, 'HTTP 500'], [4, 'delivered', 200, null],
    ]);
  });

  it('the feed lists the same events as a webhook for every type receives, in order, page by page', async () => {
    const all = await receiver();
    const added = await api('/api/v1/orgs/acme/webhooks', ada, { method: 'POST', body: { url: all.url } });
    expect(added.body.events).toBeNull();
    const before = (await api('/api/v1/orgs/acme/events?limit=200', ada)).body.next as number;

    await publish('acme', 'widget', '1.1.0');
    expect((await api('/api/v1/packages/acme/widget/1.0.0/yank', ada, { method: 'POST', body: { reason: 'broken' } })).status).toBe(200);
    expect((await api('/api/v1/packages/acme/widget/1.0.0/yank', ada, { method: 'DELETE' })).status).toBe(200);
    expect((await api('/api/v1/packages/acme/widget/visibility', ada, { method: 'POST', body: { visibility: 'private' } })).status).toBe(200);
    expect((await api('/api/v1/orgs/acme/members', ada, { method: 'POST', body: { username: 'bea', role: 'member' } })).status).toBe(201);
    expect((await api('/api/v1/orgs/acme/members/bea', ada, { method: 'PUT', body: { role: 'owner' } })).status).toBe(200);
    const minted = await api('/api/v1/tokens', ada, { method: 'POST', body: { name: 'acme-ci', scopes: ['publish'], orgs: ['acme'] } });
    expect(minted.status).toBe(201);
    expect((await api(`/api/v1/tokens/${minted.body.info.id}`, ada, { method: 'DELETE' })).status).toBe(200);
    // Deprecation is audited but is no event.
    expect((await api('/api/v1/packages/acme/widget/deprecation', ada, { method: 'PUT', body: { message: 'old' } })).status).toBe(200);

    const pages: Json[] = [];
    let after = before;
    for (;;) {
      const page = await api(`/api/v1/orgs/acme/events?after=${after}&limit=3`, ada);
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeLessThanOrEqual(3);
      if (page.body.events.length === 0) {
        expect(page.body.next).toBe(after);
        break;
      }
      pages.push(...page.body.events);
      after = page.body.next;
    }
    expect(pages.map((e) => e.type)).toEqual(['publish', 'yank', 'unyank', 'visibility', 'member.add', 'member.role', 'token.create', 'token.revoke']);
    const ids = pages.map((e) => e.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(pages[1]).toMatchObject({ data: { package: 'widget', version: '1.0.0', reason: 'broken' } });
    expect(pages[4]).toMatchObject({ data: { member: 'bea', role: 'member' } });
    expect(pages[6]).toMatchObject({ data: { token: 'acme-ci', scopes: ['publish'], restricted: true } });
    expect(JSON.stringify(pages)).not.toContain(minted.body.token);

    const hooks = await all.waitFor(pages.length);
    const delivered = hooks.map((h) => JSON.parse(h.body) as Json).sort((a, b) => a.id - b.id);
    expect(delivered).toEqual(pages);
    expect(hooks.map((h) => h.headers['flock-event']).sort()).toEqual(pages.map((e) => e.type).sort());
  });

  it('the feed is for members with a read-scoped token; bad paging is one clear 400', async () => {
    const outsider = await registry.createUser('cyd');
    expect((await api('/api/v1/orgs/acme/events', outsider)).status).toBe(403);
    const noRead = await registry.withServices(async (s) => s.tokens.create({ userId: (await s.accounts.requireUser('ada')).id, name: 'no-read', scopes: ['publish'] }));
    expect((await api('/api/v1/orgs/acme/events', noRead.token)).body).toEqual({ error: 'This token does not have the read scope' });
    for (const query of ['limit=201', 'limit=0', 'after=-1', 'after=x', 'after=2147483648']) {
      const answer = await api(`/api/v1/orgs/acme/events?${query}`, ada);
      expect([query, answer.status, Object.keys(answer.body)]).toEqual([query, 400, ['error']]);
    }
    // A token event of an unrestricted token goes to the user's personal org.
    await api('/api/v1/tokens', bea, { method: 'POST', body: { name: 'laptop', scopes: ['read'] } });
    const personal = await api('/api/v1/orgs/bea/events', bea);
    expect(personal.body.events.map((e: Json) => [e.type, e.data.token])).toEqual([['token.create', 'laptop']]);
  });

  it('checks webhook input and who may manage webhooks', async () => {
    const bad = async (body: unknown, message: RegExp) => {
      const answer = await api('/api/v1/orgs/acme/webhooks', ada, { method: 'POST', body });
      expect([answer.status, answer.body.error]).toEqual([400, expect.stringMatching(message)]);
    };
    await bad({ url: 'http://hooks.example.com/x' }, /https/);
    await bad({ url: 'ftp://hooks.example.com/x' }, /https/);
    await bad({ url: `https://hooks.example.com/${'a'.repeat(2048)}` }, /2048 bytes/);
    await bad({ url: 'https://user:pw@hooks.example.com/' }, /credentials/);
    await bad({ url: 'https://hooks.example.com/', events: ['publish', 'explode'] }, /Unknown event type "explode"/);
    await bad({ url: 'https://hooks.example.com/', secret: 'mine' }, /Unknown field "secret"/);
    // A member who is not an owner, and an owner's token without manage.
    await registry.withServices(async (s) => s.orgs.setRole({ userId: (await s.accounts.requireUser('ada')).id, username: 'ada', token: null }, { org: 'acme', username: 'bea', role: 'member' }));
    expect((await api('/api/v1/orgs/acme/webhooks', bea, { method: 'POST', body: { url: 'https://hooks.example.com/' } })).status).toBe(403);
    expect((await api('/api/v1/orgs/acme/webhooks', bea)).status).toBe(403);
    const listed = await api('/api/v1/orgs/acme/webhooks', ada);
    expect(listed.body.length).toBe(2);
    expect(JSON.stringify(listed.body)).not.toMatch(/whsec_|secret/);
    // At most 20 per org.
    for (let i = listed.body.length; i < 20; i++) {
      expect((await api('/api/v1/orgs/acme/webhooks', ada, { method: 'POST', body: { url: `https://hooks.example.com/${i}`, active: false } })).status).toBe(201);
    }
    const full = await api('/api/v1/orgs/acme/webhooks', ada, { method: 'POST', body: { url: 'https://hooks.example.com/21' } });
    expect([full.status, full.body.error]).toEqual([409, expect.stringContaining('20 webhooks')]);
    // Removing one removes its deliveries and log too.
    const first = listed.body[0] as Json;
    expect((await api(`/api/v1/orgs/acme/webhooks/${first.id}`, ada, { method: 'DELETE' })).status).toBe(200);
    expect(await registry.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', first.id).execute()).toEqual([]);
    expect((await api(`/api/v1/orgs/acme/webhooks/${first.id}/deliveries`, ada)).status).toBe(404);
  });

  it("a token's events go to the orgs it is restricted to while its user is a member of them", async () => {
    const after = (await api('/api/v1/orgs/acme/events?limit=200', ada)).body.next as number;
    const minted = await api('/api/v1/tokens', bea, { method: 'POST', body: { name: 'bea-acme', scopes: ['read'], orgs: ['acme'] } });
    expect(minted.status).toBe(201);
    expect((await api('/api/v1/orgs/acme/leave', bea, { method: 'POST' })).status).toBe(200);
    expect((await api(`/api/v1/tokens/${minted.body.info.id}`, bea, { method: 'DELETE' })).status).toBe(200);
    const { events } = (await api(`/api/v1/orgs/acme/events?after=${after}`, ada)).body;
    expect(events.map((e: Json) => [e.type, e.actor.name])).toEqual([['token.create', 'bea'], ['member.leave', 'bea']]);
    const personal = (await api('/api/v1/orgs/bea/events', bea)).body.events as Json[];
    expect(personal.map((e) => e.data.token)).toEqual(['laptop']);
  });

  it('setting and removing the org store are audited and are events, without the credentials', async () => {
    const s3 = await startTestS3('acme-webhook-store');
    try {
      const after = (await api('/api/v1/orgs/acme/events?limit=200', ada)).body.next as number;
      const secretAccessKey = 'store-secret-never-in-an-event';
      const set = await api('/api/v1/orgs/acme/store', ada, { method: 'PUT', body: { endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey } });
      expect(set.status).toBe(200);
      expect((await api('/api/v1/orgs/acme/store', ada, { method: 'DELETE' })).status).toBe(200);
      const { events } = (await api(`/api/v1/orgs/acme/events?after=${after}`, ada)).body;
      expect(events.map((e: Json) => [e.type, e.data])).toEqual([
        ['store.set', { endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', prefix: '' }],
        ['store.remove', {}],
      ]);
      expect(JSON.stringify(events)).not.toMatch(/store-secret|S3RVER/);
      const audited = await registry.db.selectFrom('audit_events').select('action').where('action', 'like', 'store.%').orderBy('at').execute();
      expect(audited.map((a) => a.action)).toEqual(['store.set', 'store.remove']);
    } finally {
      await s3.close();
    }
  });
});

describe('webhooks to private addresses without FLOCK_WEBHOOK_PRIVATE_TARGETS', () => {
  let registry: TestRegistry;
  let target: WebhookReceiver;
  const logs: string[] = [];

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_WEBHOOK_POLL_MS: '50' }, { logs });
    target = await startReceiver();
  });
  afterAll(async () => {
    await registry?.close();
    await target?.close();
  });

  it('are refused at send time, logged in the delivery log and the server log, and nothing is sent', async () => {
    const token = await registry.createUser('ada');
    const api = client(registry);
    const added = await api('/api/v1/orgs/ada/webhooks', token, { method: 'POST', body: { url: target.url } });
    expect(added.status).toBe(201);
    expect((await api('/api/v1/packages/ada/widget/1.0.0', token, { method: 'PUT', body: await manifestOnlyArchive('ada', 'widget', '1.0.0') })).status).toBe(200);
    const attempt = await eventually(() => registry.db.selectFrom('webhook_attempts').selectAll().executeTakeFirst(), 'the first attempt');
    expect(attempt).toMatchObject({ outcome: 'retry', http_status: null });
    expect(attempt.error).toMatch(/^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or loopback address/);
    const [delivery] = (await api(`/api/v1/orgs/ada/webhooks/${added.body.id}/deliveries`, token)).body as Json[];
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastHttpStatus: null, lastError: attempt.error });
    const logged = logs.map((l) => JSON.parse(l) as Json).find((l) => l.msg === 'webhook delivery attempt failed');
    expect(logged).toMatchObject({ level: 40, target: new URL(target.url).origin, attempt: 1, final: false });
    expect(target.received).toEqual([]);
  });
});
