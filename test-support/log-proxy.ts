import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request: where it goes, and optionally a change to the answer's body. */
export interface ProxyRoute {
  /** Base URL of the registry that answers. */
  target: string;
  /** Replaces the answer's body (status and content type kept). */
  rewrite?: (body: Buffer) => Buffer;
  /** Answers this body itself (status 200, or `status`) without asking any registry. */
  body?: Buffer | string;
  status?: number;
}

/**
 * A small HTTP proxy on 127.0.0.1 in front of real registries, for the transparency log tests:
 * `route(path)` decides per request which registry answers and whether the answer is changed
 * (a forked log, a changed record). `paths` lists every path asked, in order.
 */
export async function startLogProxy(route: (path: string) => ProxyRoute): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        paths.push(path);
        const chosen = route(path);
        if (chosen.body !== undefined) {
          res.writeHead(chosen.status ?? 200, { 'content-type': 'text/plain; charset=utf-8' }).end(chosen.body);
          return;
        }
        const headers: Record<string, string> = {};
        if (req.headers.authorization) headers.authorization = req.headers.authorization;
        if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const answer = await fetch(`${chosen.target}${path}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}), redirect: 'manual' });
        let bytes: Buffer = Buffer.from(await answer.arrayBuffer());
        if (chosen.rewrite && answer.status === 200) bytes = chosen.rewrite(bytes);
        const out: Record<string, string> = {};
        for (const name of ['content-type', 'location', 'cache-control']) {
          const value = answer.headers.get(name);
          if (value !== null) out[name] = value;
        }
        res.writeHead(answer.status, out).end(bytes);
      })().catch((error: unknown) => res.writeHead(502).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
