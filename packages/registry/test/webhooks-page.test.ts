import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { eventually, signatureVerifies, startReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';

// The org page's webhook card, driven as a browser would (session cookie + CSRF token): add a
// webhook (its secret shown on that answer only), see its deliveries, redeliver one, remove it.
describe("the org page's webhooks", () => {
  let registry: TestRegistry;
  let target: WebhookReceiver;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    registry = await createTestRegistry({ FLOCK_WEBHOOK_PRIVATE_TARGETS: '1', FLOCK_WEBHOOK_RETRY_BASE_MS: '50', FLOCK_WEBHOOK_POLL_MS: '50' });
    target = await startReceiver();
    const signedUp = await fetch(`${registry.url}/signup`, {
      method: 'POST', redirect: 'manual', body: 'username=ada&password=a+long+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: registry.url },
    });
    cookie = signedUp.headers.getSetCookie().find((h) => h.startsWith('flock_session='))!.split(';')[0]!;
    csrf = /name="_csrf" value="([^"]+)"/.exec(await page())![1]!;
    await registry.createUser('bea');
  });
  afterAll(async () => {
    await registry?.close();
    await target?.close();
  });

  async function page(): Promise<string> {
    return (await fetch(`${registry.url}/flock/ada`, { headers: { cookie } })).text();
  }
  const submit = (path: string, fields: Record<string, string> = {}, withCsrf = true) =>
    fetch(`${registry.url}${path}`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...(withCsrf ? { _csrf: csrf } : {}), ...fields }).toString(),
      headers: { cookie, origin: registry.url, 'content-type': 'application/x-www-form-urlencoded' },
    });

  it('adds a webhook with the form, shows its secret on that answer only, then lists its deliveries', async () => {
    const added = await submit('/flock/ada/webhooks', { url: target.url, events: 'member.add, member.remove' });
    expect(added.status).toBe(200);
    const html = await added.text();
    const secret = /<code id="webhook-secret">(whsec_[^<]+)<\/code>/.exec(html)![1]!;
    expect(added.headers.get('cache-control')).toBe('private, no-store');
    expect(await page()).not.toContain(secret);

    // An event of a subscribed type (member.add, through the page's own form) is delivered and shown.
    expect((await submit('/flock/ada/members', { username: 'bea', role: 'member' })).status).toBe(303);
    const [hook] = await target.waitFor(1);
    expect(hook!.headers['flock-event']).toBe('member.add');
    expect(signatureVerifies(secret, hook!)).toBe(true);
    const shown = await eventually(async () => {
      const text = await page();
      return /<td>1<\/td>\s*<td>delivered<\/td>\s*<td>HTTP 200<\/td>/.test(text) ? text : null;
    }, 'the page to show the delivery');
    expect(shown).toContain('<code>member.add</code>');
    expect(shown).toContain(`<code>${target.url}</code>`);
  });

  it('Redeliver sends the same event again as a new delivery', async () => {
    const delivery = /data-delivery="([^"]+)"/.exec(await page())![1]!;
    const forged = await submit(`/flock/ada/webhooks/deliveries/${delivery}/redeliver`, {}, false);
    expect(forged.status).toBe(403);
    const response = await submit(`/flock/ada/webhooks/deliveries/${delivery}/redeliver`);
    expect([response.status, response.headers.get('location')]).toEqual([303, '/flock/ada#webhooks']);
    const [first, again] = await target.waitFor(2);
    expect(again!.body).toBe(first!.body);
    expect(again!.headers['flock-delivery']).not.toBe(first!.headers['flock-delivery']);
    expect(first!.headers['flock-delivery']).toBe(delivery);
    const unknown = await submit('/flock/ada/webhooks/deliveries/no-such-delivery/redeliver');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No delivery no-such-delivery in ada');
  });

  it('a bad URL comes back on the page with the reason; Remove removes the webhook', async () => {
    const refused = await submit('/flock/ada/webhooks', { url: 'http://hooks.example.com/' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('url must be an https URL');
    const id = /data-webhook="([^"]+)"/.exec(await page())![1]!;
    expect((await submit(`/flock/ada/webhooks/${id}/remove`)).status).toBe(303);
    expect(await page()).not.toContain('data-webhook=');
    expect(await registry.db.selectFrom('webhooks').select('id').execute()).toEqual([]);
  });

  it('anonymous visitors see no webhooks card', async () => {
    expect(await (await fetch(`${registry.url}/flock/ada`)).text()).not.toContain('id="webhooks"');
  });
});
