import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import { openBlobStore } from './blobs/index.js';
import { indexFastPath } from './routes/index.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { systemClock, type Clock } from './services/clock.js';
import { createServices, type Services } from './services/index.js';

export interface Registry {
  services: Services;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** Opens the database and store named by the config and wires the services. Used by `serve` and the operator commands alike. */
export async function openRegistry(config: Readonly<Config>, clock: Clock = systemClock): Promise<Registry> {
  const database = await openDatabase(config.databaseUrl);
  const blobs = openBlobStore(config.blobStore);
  const services = createServices({ db: database.db, blobs, clock, limits: config.limits });
  return { services, database, close: () => database.close() };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'flock-registry' } });
}

/** Starts the HTTP server; resolves once it listens. */
export async function startServer(config: Readonly<Config>, options: { logger?: Logger; clock?: Clock } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const registry = await openRegistry(config, options.clock);
  const app = createApp({ services: registry.services, publicUrl: config.publicUrl, logger });
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve, reject) => {
    // The sparse index is the hot read path: it is answered in front of Hono (see indexFastPath).
    const fast = indexFastPath(registry.services);
    const withFastPath = ((options: object, listener: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer(options, (req, res) => {
        if (!fast(req, res, () => listener(req, res))) listener(req, res);
      })) as unknown as typeof createServer;
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port, createServer: withFastPath }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, database: config.databaseUrl.split(':')[0], store: config.blobStore.split(':')[0] }, 'flock-registry listening');
  return {
    url,
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await registry.close();
    },
  };
}
