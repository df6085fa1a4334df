import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { createTestRegistry, type TestRegistry } from '../../../test-support/registry.js';
import { ACTION_LABELS, actionLabel } from '../src/routes/web/audit-labels.js';

describe('the 404 page, the favicon and the activity names', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await createTestRegistry();
    const token = await registry.createUser('acme');
    const manifest = renderManifest(parseManifest('[package]\nname = "known"\nversion = "1.0.0"\norg = "acme"\n'));
    const archive = await packArchive({ root: 'known-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    expect((await fetch(`${registry.url}/api/v1/packages/acme/known/1.0.0`, { method: 'PUT', body: archive, headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
  afterAll(() => registry?.close());

  it.each([
    ['/no/such/page', 'There is no page at this address.'],
    ['/flock/acme/known/extra/parts', 'There is no page at this address.'],
    ['/flock/acme/missing', 'Package acme/missing not found'],
    ['/flock/acme/known/9.9.9', 'acme/known@9.9.9 not found'],
    ['/flock/nobody-here', 'nobody-here'],
  ])('answers %s with the styled 404 page: a message, a search box and a way home', async (path, message) => {
    const response = await fetch(`${registry.url}${path}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<title>Not found — Flock</title>');
    expect(html).toContain('<h1>Not found</h1>');
    expect(html).toMatch(new RegExp(`<p class="lead">[^<]*${message.replace(/[.@/]/g, '\\$&')}`));
    expect(html).toContain('<form method="get" action="/search" class="row"><input type="search" name="q"');
    expect(html).toContain('<a href="/">Back to the front page</a>');
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml"/>');
  });

  it('keeps JSON 404s under /api/ and /index/', async () => {
    for (const path of ['/api/v1/nothing-here', '/api/v1/packages/acme/missing', '/index/acme/missing']) {
      const response = await fetch(`${registry.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(((await response.json()) as { error: string }).error, path).toMatch(/not found/i);
    }
  });

  it('serves the icon at /favicon.svg and /favicon.ico, cached for a day, and the policy lets pages show it', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const response = await fetch(`${registry.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe('image/svg+xml');
      expect(response.headers.get('cache-control'), path).toBe('public, max-age=86400');
      const svg = await response.text();
      expect(svg, path).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/);
      expect(svg.length, path).toBeLessThan(1000);
    }
    const home = await fetch(registry.url);
    expect(await home.text()).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml"/>');
    expect(home.headers.get('content-security-policy')).toContain("img-src 'self'");
  });

  it('names every audit action for people, and shows an unknown one as stored', () => {
    expect(ACTION_LABELS['token.create']).toBe('Created token');
    expect(ACTION_LABELS['device.approve']).toBe('Approved a CLI sign-in');
    expect(ACTION_LABELS.yank).toBe('Yanked');
    expect(ACTION_LABELS.deprecate).toBe('Deprecated');
    for (const [action, label] of Object.entries(ACTION_LABELS)) expect(label, action).not.toBe(action);
    expect(new Set(Object.values(ACTION_LABELS)).size).toBe(Object.keys(ACTION_LABELS).length);
    expect(actionLabel('publish')).toBe('Published');
    expect(actionLabel('some.future_action')).toBe('some.future_action');
    expect(actionLabel('toString')).toBe('toString');
  });
});
