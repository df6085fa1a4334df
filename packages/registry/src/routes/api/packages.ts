import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { isFlockError } from '@flock/core';
import type { AppEnv } from '../../http.js';
import { authenticate, readBody, packageParams, versionParams } from '../../http.js';
import { requirePublisher } from './oidc.js';
import { parseLineageHeaders, parseProvenanceHeaders } from './provenance.js';

/** /api/v1/packages/:org/:name[/downloads|/:version[/download|/docs]] */
export function packageRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.put('/:org/:name/:version', async (c) => {
    const publisher = await requirePublisher(c);
    const params = versionParams(c);
    const provenance = parseProvenanceHeaders((name) => c.req.header(name));
    const lineage = parseLineageHeaders((name) => c.req.header(name));
    const { limits } = c.var.services.publish;
    try {
      const archive = await readBody(c, limits.maxArchiveBytes, 'Archive');
      const result = await c.var.services.publish.publish({ publisher, ...params, archive, provenance, lineage });
      c.var.metrics.publishes.inc({ result: 'ok' });
      // 202: stored, but visible only once an owner approves it.
      if ('held' in result) return c.json({ ok: true, checksum: result.checksum, held: true, flags: result.flags }, 202);
      return c.json({ ok: true, checksum: result.checksum });
    } catch (error) {
      c.var.metrics.publishes.inc({ result: isFlockError(error) ? error.code : 'internal' });
      throw error;
    }
  });

  app.put('/:org/:name/:version/docs', async (c) => {
    const publisher = await requirePublisher(c);
    const params = versionParams(c);
    const body = await readBody(c, c.var.services.publish.limits.maxDocsBytes, 'Documentation');
    await c.var.services.publish.uploadDocs({ publisher, ...params, body });
    return c.json({ ok: true });
  });

  app.get('/:org/:name', async (c) => {
    const { org, name } = packageParams(c);
    return c.json(await c.var.services.packages.getPackage(await authenticate(c), org, name));
  });

  // Before /:org/:name/:version, which would take "downloads" for a version (and refuse it).
  app.get('/:org/:name/downloads', async (c) => {
    const { org, name } = packageParams(c);
    const { packages, downloads } = c.var.services;
    const { pkg } = await packages.findVisible(await authenticate(c), org, name);
    c.header('cache-control', pkg.visibility === 'public' ? 'public, max-age=60' : 'private, no-store');
    return c.json(await downloads.summary(pkg.id));
  });

  app.get('/:org/:name/:version', async (c) => {
    const { org, name, version } = versionParams(c);
    return c.json(await c.var.services.packages.getVersion(await authenticate(c), org, name, version));
  });

  app.get('/:org/:name/:version/download', async (c) => {
    const { org, name, version } = versionParams(c);
    const download = await c.var.services.packages.download(await authenticate(c), org, name, version);
    const scope = download.visibility === 'public' ? 'public' : 'private';
    if (download.kind === 'redirect') {
      // The presigned URL expires within minutes, so the redirect is cached briefly, and a private one not at all.
      c.header('cache-control', scope === 'public' ? 'public, max-age=60' : 'private, no-store');
      return c.redirect(download.url, 302);
    }
    const { body } = download;
    const bytes = Buffer.isBuffer(body) ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : (Readable.toWeb(body) as ReadableStream<Uint8Array>);
    return c.body(bytes as Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>, 200, {
      'content-type': 'application/gzip',
      'content-length': String(download.size),
      'content-disposition': `attachment; filename="${name}-${version}.tar.gz"`,
      'cache-control': `${scope}, max-age=31536000, immutable`,
      etag: `"${download.checksum}"`,
    });
  });

  app.get('/:org/:name/:version/docs', async (c) => {
    const { org, name, version } = versionParams(c);
    const docs = await c.var.services.packages.getDocs(await authenticate(c), org, name, version);
    return c.body(new Uint8Array(docs), 200, { 'content-type': 'application/json; charset=utf-8' });
  });

  return app;
}
