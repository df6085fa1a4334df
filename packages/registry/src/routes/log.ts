import { Hono } from 'hono';
import { FlockError, TILE_WIDTH, encodeEntryBundle, parseTilePath, tileWidthAt } from '@flock/core';
import { MAX_COSIGNATURE_NOTE_BYTES, MAX_QUORUM } from '../services/log-witnesses.js';
import { authenticate, readBody, versionParams, type AppEnv } from '../http.js';

/**
 * The transparency log as C2SP tlog-tiles (docs/transparency-log.md): a signed checkpoint,
 * hash tiles and entry bundles, and the verifier key. Full tiles never change, so they are
 * cached for good; the checkpoint is never cached, partial tiles briefly (a grown tile has
 * another path). `origin` is the log's name in its checkpoints and its key's name.
 */
export function logRoutes(origin: () => string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const text = { 'content-type': 'text/plain; charset=utf-8' };

  app.get('/checkpoint', async (c) => c.body(await c.var.services.logWitnesses.checkpoint(origin()), 200, { ...text, 'cache-control': 'no-store' }));
  // For clients that require witnesses: the newest checkpoint at least `quorum` of the registry's witnesses cosigned.
  app.get('/witnessed-checkpoint', async (c) => {
    const raw = c.req.query('quorum') ?? '1';
    const quorum = Number(raw);
    if (!/^[1-9][0-9]?$/.test(raw) || quorum > MAX_QUORUM) throw new FlockError('bad_request', `Invalid quorum "${raw.slice(0, 20)}": expected 1 to ${MAX_QUORUM}`);
    return c.body(await c.var.services.logWitnesses.witnessedCheckpoint(origin(), quorum), 200, { ...text, 'cache-control': 'no-store' });
  });
  app.get('/key', (c) => c.body(`${c.var.services.log.signerFor(origin()).verifierKey}\n`, 200, { ...text, 'cache-control': 'public, max-age=300' }));

  app.get('/tile/*', async (c) => {
    const { log } = c.var.services;
    // Strict: only the canonical spelling of a tile (core's parseTilePath), relative to /log/.
    const parsed = parseTilePath(c.req.path.slice('/log/'.length));
    const size = await log.size();
    const level = parsed.kind === 'hashes' ? parsed.tile.level : 0;
    const index = parsed.kind === 'hashes' ? parsed.tile.index : parsed.index;
    const width = parsed.kind === 'hashes' ? parsed.tile.width : parsed.width;
    // A partial tile's first hashes never change, so .p/W is served while the tile is at least W wide.
    if (tileWidthAt(level, index, size) < width) throw new FlockError('not_found', 'No such tile in the log yet');
    const body = parsed.kind === 'hashes'
      ? await log.readTile(parsed.tile)
      : encodeEntryBundle(await log.records(index * TILE_WIDTH, width));
    const cache = width === TILE_WIDTH ? 'public, max-age=31536000, immutable' : 'public, max-age=10';
    return c.body(new Uint8Array(body) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream', 'cache-control': cache });
  });

  return app;
}

/**
 * POST /api/v1/log/cosignatures: a witness's cosignature (services/log-witnesses.ts).
 * GET /api/v1/log/lookup/:org/:name/:version: where a version's publish record is, and the record
 * in clear (with the salt of a private package's hidden line). Readable exactly as the version
 * is: a private package's answer for an outsider is the same 404 as for no package at all.
 */
export function logApiRoutes(origin: () => string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // A witness's cosignature of a checkpoint (text/plain, a signed note): its signature is its credential.
  app.post('/cosignatures', async (c) => {
    const body = await readBody(c, MAX_COSIGNATURE_NOTE_BYTES, 'A cosignature note');
    return c.json({ ok: true, ...(await c.var.services.logWitnesses.accept(Buffer.from(body).toString('utf8'), origin())) });
  });
  app.get('/lookup/:org/:name/:version', async (c) => {
    const { org, name, version } = versionParams(c);
    const index = await c.var.services.packages.logIndexOf(await authenticate(c), org, name, version);
    return c.json(await c.var.services.log.recordFor(index));
  });
  return app;
}
