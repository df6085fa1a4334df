import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOnlyArchive } from '../../../test-support/archives.js';
import { createBackend, type Backend } from '../../../test-support/backend.js';
import { REGISTRY_BIN, runBin, spawnRegistry, tempDir, type SpawnedRegistry } from '../../../test-support/cli.js';
import { eventually, signatureVerifies, startReceiver, type WebhookReceiver } from '../../../test-support/webhook-receiver.js';

// kill -9 between commit and send: a real `flock-registry serve` whose worker is off
// (FLOCK_WEBHOOK_WORKER=off, so the kill always lands after the commit and before any send)
// takes a publish and is killed; a normal server on the same database then delivers it,
// to a receiver that fails three times first, exactly once.
describe('webhooks across kill -9', () => {
  let backend: Backend;
  let dir: { path: string; cleanup(): Promise<void> };
  let env: Record<string, string>;
  let target: WebhookReceiver;
  let server: SpawnedRegistry | undefined;

  beforeAll(async () => {
    backend = await createBackend();
    dir = await tempDir();
    target = await startReceiver([500, 500, 500]);
    env = {
      ...backend.env, FLOCK_DATA_DIR: join(dir.path, 'data'), FLOCK_SECRET_KEY: randomBytes(32).toString('hex'), FLOCK_LOG_LEVEL: 'warn',
      FLOCK_WEBHOOK_PRIVATE_TARGETS: '1', FLOCK_WEBHOOK_RETRY_BASE_MS: '50', FLOCK_WEBHOOK_POLL_MS: '50',
    };
    expect((await runBin(REGISTRY_BIN, ['user', 'add', 'acme'], { cwd: dir.path, env })).code).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await target?.close();
    await backend?.close();
    await dir?.cleanup();
  });

  it('a publish committed by a server killed before sending is delivered once by the next server', async () => {
    const token = (await runBin(REGISTRY_BIN, ['token', 'create', '--user', 'acme', '--scopes', 'publish,yank,read,manage'], { cwd: dir.path, env })).stdout.trim();
    const call = (url: string, path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

    server = await spawnRegistry({ ...env, FLOCK_WEBHOOK_WORKER: 'off' }, dir.path);
    const added = await call(server.url, '/api/v1/orgs/acme/webhooks', { method: 'POST', body: JSON.stringify({ url: target.url }) });
    expect(added.status).toBe(201);
    const { id, secret } = (await added.json()) as { id: string; secret: string };
    const published = await call(server.url, '/api/v1/packages/acme/widget/1.0.0', { method: 'PUT', body: await manifestOnlyArchive('acme', 'widget', '1.0.0') });
    expect(published.status).toBe(200);
    await server.kill();
    expect(target.received).toEqual([]);

    server = await spawnRegistry(env, dir.path);
    const url = server.url;
    const hooks = await target.waitFor(4);
    const delivery = await eventually(async () => {
      const list = (await (await call(url, `/api/v1/orgs/acme/webhooks/${id}/deliveries`)).json()) as Array<{ id: string; status: string; attempts: number }>;
      return list.length === 1 && list[0]!.status === 'delivered' ? list[0]! : null;
    }, 'the delivery to be recorded as delivered');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(target.received.map((h) => h.status)).toEqual([500, 500, 500, 200]);
    expect(delivery.attempts).toBe(4);
    expect(new Set(hooks.map((h) => h.headers['flock-delivery']))).toEqual(new Set([delivery.id]));
    expect(hooks.every((h) => signatureVerifies(secret, h))).toBe(true);
    expect(JSON.parse(hooks[3]!.body)).toMatchObject({ type: 'publish', org: 'acme', data: { package: 'widget', version: '1.0.0' } });
    await server.stop();
    server = undefined;
  });
});
