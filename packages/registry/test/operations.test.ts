import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { packArchive, parseManifest, renderManifest } from '@flock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { loadConfig, openRegistry, startServer, type RunningServer } from '../src/index.js';
import { isLoopback } from '../src/routes/metrics-access.js';

describe('operations: health, readiness, metrics, logs', () => {
  let dir: string;
  let backend: Backend;
  let server: RunningServer;
  let token: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flock-ops-'));
    backend = await createBackend();
    const config = loadConfig({ FLOCK_DATA_DIR: dir, FLOCK_PORT: '0', ...backend.env });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    server = await startServer(config, { logger: pino({ level: 'info' }, sink) });
    const setup = await openRegistry(config);
    const user = await setup.services.accounts.createUser({ username: 'ops' });
    token = (await setup.services.tokens.create({ userId: user.id, name: 't' })).token;
    await setup.close();
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('/healthz and /readyz answer when the database and store do', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok', store: 'ok' } });
  });

  it('gives every request an id, keeping a plain one the caller sent', async () => {
    const mine = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const hostile = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': `${'x'.repeat(80)} "injected": true` } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts requests by route pattern and status in /metrics', async () => {
    await fetch(`${server.url}/api/v1/packages/ops/nothing-here`);
    await fetch(`${server.url}/index/ops/nothing-here`); // answered on the index fast path, in front of Hono
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('flock_http_requests_total{method="GET",route="/index/:org/:name",status="404"} 1');
    expect(text).toContain('flock_http_requests_total{method="GET",route="/api/v1/packages/:org/:name",status="404"} 1');
    expect(text).toMatch(/flock_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/healthz"\} \d+/);
    expect(text).not.toContain('nothing-here');
    // The fast path's tally is folded in once per scrape, never twice.
    await fetch(`${server.url}/index/ops/nothing-here`);
    const scrape = async () => (await (await fetch(`${server.url}/metrics`)).text()).match(/route="\/index\/:org\/:name",status="404"\} (\d+)/)?.[1];
    expect(await scrape()).toBe('2');
    expect(await scrape()).toBe('2');
  });

  it('with FLOCK_METRICS_TOKEN set, /metrics wants that token, even from 127.0.0.1', async () => {
    const guarded = await startServer(loadConfig({ FLOCK_DATA_DIR: join(dir, 'guarded'), FLOCK_PORT: '0', FLOCK_METRICS_TOKEN: 'scrape-secret', ...backend.env }), { logger: pino({ level: 'silent' }) });
    try {
      const without = await fetch(`${guarded.url}/metrics`);
      expect(without.status).toBe(401);
      expect(await without.json()).toEqual({ error: 'Metrics need the token set in FLOCK_METRICS_TOKEN' });
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer scrape-secre' } })).status).toBe(401);
      const scraped = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('flock_http_requests_total');
    } finally {
      await guarded.close();
    }
  });

  it('without a metrics token, only loopback addresses may scrape', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopback(address), address).toBe(true);
    for (const address of ['10.0.0.1', '192.168.1.127', '::ffff:10.0.0.1', '2001:db8::1', '', undefined]) expect(isLoopback(address), String(address)).toBe(false);
  });

  it('logs one JSON line per request with its id, and never the token', async () => {
    await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-me' } });
    const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'log-me');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/api/v1/me', route: '/api/v1/me', status: 200 });
    expect(logLines.join('\n')).not.toContain(token);
  });

  it('on close, an upload already under way finishes and is stored; new connections are refused', async () => {
    const config = loadConfig({ FLOCK_DATA_DIR: join(dir, 'draining'), FLOCK_PORT: '0', ...backend.env });
    const draining = await startServer(config, { logger: pino({ level: 'silent' }) });
    const user = await draining.registry.services.accounts.createUser({ username: 'slow' });
    const { token: slowToken } = await draining.registry.services.tokens.create({ userId: user.id, name: 't' });
    const manifest = renderManifest(parseManifest('[package]\nname = "slow"\nversion = "1.0.0"\norg = "slow"\n'));
    const archive = await packArchive({ root: 'slow-1.0.0', entries: [{ path: 'flock.toml', bytes: Buffer.from(manifest) }] });
    // The body arrives in two halves, with the server told to close in between.
    let sendRest!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(archive.subarray(0, 100));
        sendRest = () => {
          controller.enqueue(archive.subarray(100));
          controller.close();
        };
      },
    });
    const upload = fetch(`${draining.url}/api/v1/packages/slow/slow/1.0.0`, {
      method: 'PUT', body, duplex: 'half', headers: { authorization: `Bearer ${slowToken}`, 'content-length': String(archive.byteLength) },
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    const closing = draining.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    await expect(fetch(`${draining.url}/healthz`)).rejects.toThrow();
    sendRest();
    const response = await upload;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { ok: boolean }).ok).toBe(true);
    await closing;
    const reopened = await openRegistry(config);
    const rows = await reopened.database.db.selectFrom('versions').select('version').execute();
    await reopened.close();
    expect(rows).toEqual([{ version: '1.0.0' }]);
  });

  it('/readyz answers 503 naming the failing store', async () => {
    const config = loadConfig({ FLOCK_DATA_DIR: join(dir, 'broken'), FLOCK_PORT: '0', FLOCK_BLOB_STORE: 's3://nowhere/x?endpoint=http%3A%2F%2F127.0.0.1%3A9&region=us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
    const broken = await startServer(config, { logger: pino({ level: 'silent' }) });
    try {
      const response = await fetch(`${broken.url}/readyz`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { ok: boolean; checks: Record<string, string> };
      expect(body.ok).toBe(false);
      expect(body.checks.database).toBe('ok');
      expect(body.checks.store).not.toBe('ok');
    } finally {
      await broken.close();
    }
  });
});
