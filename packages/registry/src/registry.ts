import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { FlockError } from '@flock/core';
import { createApp } from './app.js';
import { parseSecretKey } from './auth/secret-box.js';
import { createMetrics } from './observability.js';
import { authSettingsFrom } from './auth/settings.js';
import { storageReason } from './blobs/errors.js';
import { openBlobStore } from './blobs/index.js';
import { indexFastPath } from './routes/index.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { describeDatabaseError } from './db/unavailable.js';
import { createLocalChangeFeed, createPostgresChangeFeed, type ChangeFeed } from './events/change-feed.js';
import { systemClock, type Clock } from './services/clock.js';
import { createServices, type Services } from './services/index.js';
import { backfillLog } from './services/transparency-log.js';
import { createWebhookWorker } from './services/webhook-worker.js';

export interface Registry {
  services: Services;
  database: DatabaseHandle;
  /** The key sealing secrets at rest (the webhook worker opens signing secrets with it). */
  secretKey: Buffer;
  close(): Promise<void>;
}

/**
 * The key sealing secrets at rest: FLOCK_SECRET_KEY, else one generated once and
 * kept (mode 0600) in the data folder, so the embedded default needs no setting.
 * Replicas must share FLOCK_SECRET_KEY.
 */
async function loadSecretKey(config: Readonly<Config>): Promise<Buffer> {
  if (config.secretKey) return parseSecretKey(config.secretKey);
  const path = join(config.dataDir, 'secret.key');
  try {
    return parseSecretKey(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(config.dataDir, { recursive: true });
  try {
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (an operator command, say) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseSecretKey(await readFile(path, 'utf8'), path);
}

/** Opens the database and store named by the config and wires the services. Used by `serve` and the operator commands alike. */
export async function openRegistry(
  config: Readonly<Config>,
  clock: Clock = systemClock,
  hooks: { onStoreError?: (store: 'registry' | 'org') => void; logger?: Logger; watchOtherWriters?: boolean } = {},
): Promise<Registry> {
  // Settings first: a malformed key is reported as such even when the database is down too.
  const secretKey = await loadSecretKey(config);
  const blobs = openBlobStore(config.blobStore, config.s3Credentials);
  const database = await openDatabase(config.databaseUrl);
  // On PostgreSQL, replicas tell each other what to drop from their caches; on SQLite there is one server.
  const feed = database.dialect === 'postgres'
    ? await createPostgresChangeFeed(config.databaseUrl, hooks.logger ?? pino({ level: 'silent' }))
    : createLocalChangeFeed();
  const services = createServices({
    db: database.db, sqliteReader: database.reader, blobs, clock, limits: config.limits, secretKey, feed,
    redirectDownloads: config.s3Redirect, publishesPerHour: config.publishesPerHour, devicePollInterval: config.devicePollInterval,
    downloadFlushMs: config.downloadFlushMs, logWitnessKeys: config.logWitnesses, readOnly: config.readOnly,
    upstream: config.upstream,
    onDownloadFlushError: (error) => hooks.logger?.warn({ err: error }, 'writing download counts failed; kept for the next try'),
    ...(hooks.onStoreError ? { onStoreError: hooks.onStoreError } : {}),
  });
  // Versions from before the log get their records before anything is served (a no-op once done).
  try {
    await backfillLog(database.db);
  } catch (error) {
    await services.downloads.close().catch(() => {});
    await feed.close();
    await database.close();
    throw error;
  }
  const stopWatching = hooks.watchOtherWriters ? watchOtherWriters(database, feed) : () => {};
  return {
    services,
    database,
    secretKey,
    async close() {
      stopWatching();
      // The downloads counted since the last flush are written before the database closes.
      try {
        await services.downloads.close();
      } catch (error) {
        hooks.logger?.error({ err: error }, 'writing download counts on close failed; they are lost');
      }
      await feed.close();
      await database.close();
    },
  };
}

/**
 * SQLite has no change feed between processes: a server learns that another
 * process (the rebuild worker, an operator command) committed to its file when
 * PRAGMA data_version moves, checked once a second, and then drops its cached
 * index entries, pages and principals as a replica that missed events would.
 */
function watchOtherWriters(database: DatabaseHandle, feed: ChangeFeed): () => void {
  const read = database.dataVersion;
  if (!read) return () => {};
  let seen = read();
  const timer = setInterval(() => {
    let now: number;
    try {
      now = read();
    } catch {
      return;
    }
    if (now === seen) return;
    seen = now;
    void feed.notify({ kind: 'package', org: '*', name: '*' });
    void feed.notify({ kind: 'memberships' });
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** /readyz: the database answers a query and the store answers a lookup. */
async function checkReady(registry: Registry): Promise<{ ok: boolean; checks: Record<string, string>; readOnly?: string }> {
  const checks: Record<string, string> = {};
  // Each check says why it failed, in one line without secrets: "unreachable: connect ECONNREFUSED 127.0.0.1:5432".
  const attempt = async (name: string, run: () => Promise<unknown>, describe: (error: unknown) => string) => {
    try {
      await run();
      checks[name] = 'ok';
    } catch (error) {
      checks[name] = describe(error);
    }
  };
  await Promise.all([
    attempt('database', () => sql`select 1`.execute(registry.database.db), describeDatabaseError),
    attempt('store', () => registry.services.blobs.head('readyz/probe'), (error) => `unavailable: ${storageReason((error as Error).cause ?? error)}`),
  ]);
  // Read-only is still ready (reads are served); it is said, for the operator and their load balancer's logs.
  const readOnly = await registry.services.settings.readOnly().catch(() => null);
  return { ok: Object.values(checks).every((v) => v === 'ok'), checks, ...(readOnly ? { readOnly: readOnly.message } : {}) };
}

export interface RunningServer {
  url: string;
  port: number;
  /** The services and database this server runs on (for operator code and tests in the same process). */
  registry: Registry;
  close(): Promise<void>;
}

/** What Node's HTTP parser refused, as the status and one line Node's default answer (a bare status line) would lack. */
function parserRefusal(code: string | undefined): [status: number, reason: string, message: string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW': return [431, 'Request Header Fields Too Large', 'Request headers are too large'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW': return [413, 'Payload Too Large', 'Chunk extensions are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT': return [408, 'Request Timeout', 'The request took too long to arrive'];
    default: return [400, 'Bad Request', 'Malformed HTTP request'];
  }
}

/**
 * Answers a request Node's HTTP parser refused (before Hono sees it) with a
 * JSON error like every other refusal, then drops the connection. As in
 * Node's own handler, nothing is written when the peer is gone or a response
 * on this connection has begun (it would corrupt that response).
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const [status, reason, message] = parserRefusal(error.code);
    const body = JSON.stringify({ error: message });
    const security = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${security}connection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'flock-registry' } });
}

type Listening = { server: ServerType; port: number };

/** Runs `start`; a port that cannot be had is one line naming the setting, with the registry closed again. */
async function listen(config: Readonly<Config>, registry: Registry, start: (resolve: (value: Listening) => void, reject: (error: Error) => void) => void): Promise<Listening> {
  try {
    return await new Promise<Listening>(start);
  } catch (error) {
    await registry.close();
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') throw new FlockError('unavailable', `Cannot listen on ${where}: the port is in use; choose another with FLOCK_PORT or --port`, { cause: error });
    if (code === 'EACCES') throw new FlockError('unavailable', `Cannot listen on ${where}: not allowed to use that port; choose another with FLOCK_PORT or --port`, { cause: error });
    if (code === 'EADDRNOTAVAIL') throw new FlockError('unavailable', `Cannot listen on ${where}: no such address here; check FLOCK_HOST or --host`, { cause: error });
    throw error;
  }
}

/** Starts the HTTP server; resolves once it listens. */
export async function startServer(config: Readonly<Config>, options: { logger?: Logger; clock?: Clock } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const registry = await openRegistry(config, options.clock, { onStoreError: (store) => metrics.storeErrors.inc({ store }), logger, watchOtherWriters: true });
  // The app is built once the port is known: with port 0 (tests) the default public URL names the real port.
  let app: ReturnType<typeof createApp> | undefined;
  const { server, port } = await listen(config, registry, (resolve, reject) => {
    // The sparse index is the hot read path: it is answered in front of Hono (see indexFastPath).
    // The fast path skips Hono's middleware, so it counts its own answers, with tallies cheap enough for it.
    const indexCounts = new Map([200, 304, 404].map((status) => [status, metrics.requestTally({ method: 'GET', route: '/index/:org/:name', status: String(status) })]));
    const fast = indexFastPath(registry.services, (status) => indexCounts.get(status)?.());
    const withFastPath = ((options: object, listener: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer(options, (req, res) => {
        if (!fast(req, res, () => listener(req, res))) listener(req, res);
      })) as unknown as typeof createServer;
    const server = serve({ fetch: (request, env) => app!.fetch(request, env), hostname: config.host, port: config.port, createServer: withFastPath }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
    (server as Server).on('clientError', answerClientError);
  });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const publicUrl = new URL(config.publicUrl).port === '0' ? url : config.publicUrl;
  app = createApp({
    services: registry.services, publicUrl, logger, metrics,
    ready: () => checkReady(registry),
    auth: authSettingsFrom({ ...config, publicUrl }),
    metricsToken: config.metricsToken,
    logOrigin: config.logOrigin,
  });
  // Replicas share the outbox; FLOCK_WEBHOOK_WORKER=off leaves sending to the others.
  const webhookWorker = createWebhookWorker({
    db: registry.database.db, clock: options.clock ?? systemClock, secretKey: registry.secretKey,
    retryBaseMs: config.webhooks.retryBaseMs, pollMs: config.webhooks.pollMs, allowPrivate: config.webhooks.privateTargets,
    // The URL's origin only: a receiver's path or query may carry its own secret.
    onFailedAttempt: (a) => logger.warn({ delivery: a.deliveryId, target: new URL(a.url).origin, attempt: a.attempt, status: a.status, error: a.error, final: a.final }, 'webhook delivery attempt failed'),
  });
  if (config.webhooks.worker) webhookWorker.start();
  logger.info({ url, database: config.databaseUrl.split(':')[0], store: config.blobStore.split(':')[0] }, 'flock-registry listening');
  return {
    url,
    port,
    registry,
    async close() {
      // Stop accepting, let in-flight requests (an upload, say) finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as Server).closeIdleConnections();
      await closed;
      await webhookWorker.stop();
      await registry.close();
    },
  };
}
