import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { CliExit } from './context.js';

async function listen(handler: (url: string, headers: IncomingHttpHeaders) => { status: number; location?: string; body?: string }): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const answer = handler(req.url ?? '', req.headers);
    res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the registry client and the token', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('sends the token to the registry\'s own origin, follows a redirect to another port without it', async () => {
    const seen: Array<{ where: string; auth: string | undefined }> = [];
    const other = await listen((url, headers) => {
      seen.push({ where: `other${url}`, auth: headers.authorization });
      return { status: 200, body: 'archive bytes' };
    });
    const registry = await listen((url, headers) => {
      seen.push({ where: `registry${url}`, auth: headers.authorization });
      if (url === '/download') return { status: 302, location: `${other.origin}/blob` };
      if (url === '/hop') return { status: 307, location: '/final' };
      return { status: 200, body: 'ok' };
    });
    servers.push(other.server, registry.server);

    const client = createClient(registry.origin, 'flock_secret');
    const response = await client.request('download', { auth: true });
    expect(response.text).toBe('archive bytes');
    expect(seen).toEqual([
      { where: 'registry/download', auth: 'Bearer flock_secret' },
      { where: 'other/blob', auth: undefined },
    ]);

    seen.length = 0;
    await client.request('hop', { auth: true });
    expect(seen).toEqual([
      { where: 'registry/hop', auth: 'Bearer flock_secret' },
      { where: 'registry/final', auth: 'Bearer flock_secret' },
    ]);
  });

  it('a request that cannot be sent says why without quoting its headers (the token is one)', async () => {
    const registry = await listen(() => ({ status: 200, body: 'ok' }));
    servers.push(registry.server);
    // Only a token that skipped credentials.ts's check gets here; fetch's own message would quote the header.
    const failure = await createClient(registry.origin, 'flock_secretA\nflock_secretB').request('me', { auth: true }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(CliExit);
    expect((failure as CliExit).message).toBe(`Could not reach the registry at ${registry.origin} (the request failed)`);
  });
});

describe('the registry client and a registry that misbehaves', () => {
  const sockets = new Set<import('node:net').Socket>();
  let server: Server | undefined;
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  async function start(handler: (res: import('node:http').ServerResponse) => void): Promise<string> {
    server = createServer((_req, res) => handler(res));
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives up on one that stops answering, before or during its answer', async () => {
    const silent = await start(() => {});
    const limits = { idleTimeoutMs: 200, maxAnswerBytes: 1024 };
    await expect(createClient(silent, null, limits).request('me')).rejects.toThrow(`Could not reach the registry at ${silent} (ETIMEDOUT)`);
    await new Promise((resolve) => server!.close(resolve));
    sockets.forEach((s) => s.destroy());
    const stalling = await start((res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('half');
    });
    await expect(createClient(stalling, null, limits).request('me')).rejects.toThrow(`The answer from ${stalling} was cut off (ETIMEDOUT)`);
  });

  it('stops reading an answer larger than its limit', async () => {
    let written = 0;
    const endless = await start((res) => {
      res.writeHead(200);
      const more = () => {
        while (written < 1 << 20 && res.write(Buffer.alloc(16 * 1024))) written += 16 * 1024;
        if (written < 1 << 20) res.once('drain', more);
        else res.end();
      };
      more();
    });
    const limits = { idleTimeoutMs: 5_000, maxAnswerBytes: 64 * 1024 };
    await expect(createClient(endless, null, limits).request('index/a/b')).rejects.toThrow(`The answer from ${endless} is larger than 65536 bytes`);
  });
});
