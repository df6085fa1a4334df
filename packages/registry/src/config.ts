import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_LIMITS, FlockError, parseCosignerKey, type Limits } from '@flock/core';
import { DEFAULT_READ_ONLY_MESSAGE, parseReadOnlyMessage } from './services/registry-settings.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** sqlite:PATH or postgres://… */
  databaseUrl: string;
  /** file://PATH or s3://… */
  blobStore: string;
  /** The origin users see, e.g. https://registry.example.com (no trailing slash). */
  publicUrl: string;
  limits: Limits;
  logLevel: string;
  /** From the standard AWS_* variables; used by an s3:// blob store. Never logged. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Downloads from an S3 store answer 302 to a presigned URL (true) or stream through the registry. */
  s3Redirect: boolean;
  /** Publishes one user may make per hour, across all replicas. */
  publishesPerHour: number;
  /** Seconds a `flock login --web` CLI waits between polls (at least 1). */
  devicePollInterval: number;
  /** 32 bytes (hex or base64) sealing secrets at rest; when unset, one is kept in the data folder. */
  secretKey?: string;
  /** The GitHub OAuth app, or null when none is configured. */
  github: GithubConfig | null;
  /** Username + password accounts: on when no GitHub app is configured, unless FLOCK_LOCAL_ACCOUNTS says otherwise. */
  localAccounts: boolean;
  /** Bearer token a scraper sends for /metrics; when unset, /metrics answers only 127.0.0.1. */
  metricsToken?: string;
  /** Milliseconds between writes of each process's download counts to the database. */
  downloadFlushMs: number;
  /** The rebuild worker: seconds one clone or one build may take (FLOCK_REBUILD_TIMEOUT), and the PATH builds get. */
  rebuild: { timeoutSeconds: number; path: string; localRepositories: boolean };
  /** FLOCK_LOG_ORIGIN: the transparency log's name (checkpoints, key); unset: the public URL's host + "/log". */
  logOrigin?: string;
  /** FLOCK_LOG_WITNESSES: the verifier keys of the witnesses whose cosignatures the registry keeps and serves. */
  logWitnesses: readonly string[];
  /** FLOCK_READ_ONLY=1: this server refuses every write (503) with FLOCK_READ_ONLY_MESSAGE; absent when off. */
  readOnly?: { message: string };
  /** FLOCK_UPSTREAM: another Flock registry this one mirrors (see services/mirror.ts); null when it mirrors nothing. */
  upstream: UpstreamConfig | null;
  /** Webhook delivery (services/webhook-worker.ts): see README's environment table. */
  webhooks: WebhookConfig;
}

export interface UpstreamConfig {
  /** The upstream's origin and path, without a trailing slash. */
  url: string;
  /** FLOCK_UPSTREAM_TIMEOUT: milliseconds one upstream request may take, its body included. */
  timeoutMs: number;
  /** FLOCK_UPSTREAM_MAX_AGE: an index answer checked this recently is served without asking the upstream again. */
  maxAgeMs: number;
}

export interface WebhookConfig {
  /** FLOCK_WEBHOOK_WORKER: whether this server sends webhooks (off: another replica does). */
  worker: boolean;
  /** FLOCK_WEBHOOK_RETRY_BASE_MS: the first retry's delay; later ones are multiples of it. */
  retryBaseMs: number;
  /** FLOCK_WEBHOOK_POLL_MS: how often the worker looks for due deliveries. */
  pollMs: number;
  /** FLOCK_WEBHOOK_PRIVATE_TARGETS=1: webhooks may reach private and loopback addresses. */
  privateTargets: boolean;
}

export interface GithubConfig {
  clientId: string;
  clientSecret: string;
  /** Where users sign in: https://github.com, or a GitHub Enterprise host. */
  url: string;
  /** The REST API: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise. */
  apiUrl: string;
}

/** Flags given on the command line win over the environment. */
export interface ConfigOverrides {
  host?: string;
  port?: string | number;
  dataDir?: string;
  databaseUrl?: string;
  blobStore?: string;
  publicUrl?: string;
}

function parsePort(raw: string | number): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FlockError('bad_request', `Invalid port "${raw}": expected a number from 0 to 65535`);
  }
  return port;
}

function parseLimit(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new FlockError('bad_request', `Invalid ${name} "${raw}": expected a positive whole number`);
  }
  return value;
}

function parseGithub(env: NodeJS.ProcessEnv): GithubConfig | null {
  const clientId = env.FLOCK_GITHUB_CLIENT_ID ?? '';
  const clientSecret = env.FLOCK_GITHUB_CLIENT_SECRET ?? '';
  if (clientId === '' && clientSecret === '') return null;
  if (clientId === '' || clientSecret === '') {
    throw new FlockError('bad_request', 'Set both FLOCK_GITHUB_CLIENT_ID and FLOCK_GITHUB_CLIENT_SECRET, or neither');
  }
  const base = (name: string, fallback: string) => {
    const raw = (env[name] || fallback).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(raw)) throw new FlockError('bad_request', `Invalid ${name} "${raw}": expected an http(s) URL`);
    return raw;
  };
  return { clientId, clientSecret, url: base('FLOCK_GITHUB_URL', 'https://github.com'), apiUrl: base('FLOCK_GITHUB_API_URL', 'https://api.github.com') };
}

function parseSwitch(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new FlockError('bad_request', `Invalid ${name} "${raw}": expected on or off`);
}

/** A log origin is also its key's name in signed notes: no spaces, no '+', no control characters. */
function parseLogOrigin(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > 200 || /[\s+\p{Cc}]/u.test(raw)) {
    throw new FlockError('bad_request', `Invalid FLOCK_LOG_ORIGIN "${raw}": expected up to 200 characters without spaces or '+', e.g. registry.example.com/log`);
  }
  return raw;
}

/** Witness keys, separated by commas or white space; each must parse, and none twice. */
function parseLogWitnesses(raw: string | undefined): string[] {
  const keys = (raw ?? '').split(/[\s,]+/).filter((key) => key !== '');
  if (keys.length > 20) throw new FlockError('bad_request', `FLOCK_LOG_WITNESSES lists ${keys.length} keys; at most 20`);
  const ids = new Set<string>();
  for (const key of keys) {
    try {
      const id = parseCosignerKey(key).id;
      if (ids.has(id)) throw new FlockError('bad_request', `${id} is listed twice`);
      ids.add(id);
    } catch (error) {
      throw new FlockError('bad_request', `Invalid FLOCK_LOG_WITNESSES: ${(error as Error).message}`);
    }
  }
  return keys;
}

/** https:// anywhere, plain http:// only to this machine (a tampering network could otherwise rewrite the index and archives together). */
function parseUpstream(env: NodeJS.ProcessEnv): UpstreamConfig | null {
  const raw = env.FLOCK_UPSTREAM ?? '';
  if (raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FlockError('bad_request', `Invalid FLOCK_UPSTREAM "${raw}": expected an http(s) URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new FlockError('bad_request', `Invalid FLOCK_UPSTREAM "${raw}": expected https:// (plain http:// only to 127.0.0.1 or localhost)`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new FlockError('bad_request', `Invalid FLOCK_UPSTREAM "${raw}": no credentials, query or fragment (set org tokens with flock-registry mirror token)`);
  }
  const maxAge = env.FLOCK_UPSTREAM_MAX_AGE ?? '60';
  if (!/^(0|[1-9][0-9]{0,6})$/.test(maxAge)) throw new FlockError('bad_request', `Invalid FLOCK_UPSTREAM_MAX_AGE "${maxAge}": expected whole seconds (0: ask the upstream on every request)`);
  return { url: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), timeoutMs: parseLimit(env, 'FLOCK_UPSTREAM_TIMEOUT', 30) * 1000, maxAgeMs: Number(maxAge) * 1000 };
}

/** The only place that reads process.env: everything else is handed a frozen Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Readonly<Config> {
  const host = overrides.host ?? env.FLOCK_HOST ?? '127.0.0.1';
  const port = parsePort(overrides.port ?? env.FLOCK_PORT ?? 7878);
  const dataDir = resolve(overrides.dataDir ?? env.FLOCK_DATA_DIR ?? '.flock-registry');
  const databaseUrl = overrides.databaseUrl ?? env.FLOCK_DATABASE_URL ?? `sqlite:${resolve(dataDir, 'flock.db')}`;
  const blobStore = overrides.blobStore ?? env.FLOCK_BLOB_STORE ?? pathToFileURL(resolve(dataDir, 'blobs')).href;
  const displayHost = host.includes(':') ? `[${host}]` : host;
  const publicUrl = (overrides.publicUrl ?? env.FLOCK_PUBLIC_URL ?? `http://${displayHost}:${port}`).replace(/\/+$/, '');
  const limits: Limits = {
    maxArchiveBytes: parseLimit(env, 'FLOCK_MAX_ARCHIVE_BYTES', DEFAULT_LIMITS.maxArchiveBytes),
    maxUnpackedBytes: parseLimit(env, 'FLOCK_MAX_UNPACKED_BYTES', DEFAULT_LIMITS.maxUnpackedBytes),
    maxFiles: parseLimit(env, 'FLOCK_MAX_FILES', DEFAULT_LIMITS.maxFiles),
    maxDocsBytes: parseLimit(env, 'FLOCK_MAX_DOCS_BYTES', DEFAULT_LIMITS.maxDocsBytes),
  };
  const s3Credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const github = parseGithub(env);
  const localAccounts = parseSwitch(env, 'FLOCK_LOCAL_ACCOUNTS', github === null);
  const logOrigin = parseLogOrigin(env.FLOCK_LOG_ORIGIN);
  const logWitnesses = parseLogWitnesses(env.FLOCK_LOG_WITNESSES);
  const readOnly = parseSwitch(env, 'FLOCK_READ_ONLY', false)
    ? { message: env.FLOCK_READ_ONLY_MESSAGE ? parseReadOnlyMessage(env.FLOCK_READ_ONLY_MESSAGE, 'FLOCK_READ_ONLY_MESSAGE') : DEFAULT_READ_ONLY_MESSAGE }
    : undefined;
  return Object.freeze({
    host, port, dataDir, databaseUrl, blobStore, publicUrl, limits,
    logLevel: env.FLOCK_LOG_LEVEL ?? 'info',
    ...(s3Credentials ? { s3Credentials } : {}),
    s3Redirect: env.FLOCK_S3_REDIRECT !== 'false',
    publishesPerHour: parseLimit(env, 'FLOCK_PUBLISHES_PER_HOUR', 100),
    devicePollInterval: parseLimit(env, 'FLOCK_DEVICE_POLL_INTERVAL', 5),
    downloadFlushMs: parseLimit(env, 'FLOCK_DOWNLOAD_FLUSH_MS', 5000),
    ...(env.FLOCK_SECRET_KEY ? { secretKey: env.FLOCK_SECRET_KEY } : {}),
    ...(env.FLOCK_METRICS_TOKEN ? { metricsToken: env.FLOCK_METRICS_TOKEN } : {}),
    ...(logOrigin !== undefined ? { logOrigin } : {}),
    logWitnesses,
    ...(readOnly ? { readOnly } : {}),
    github,
    localAccounts,
    upstream: parseUpstream(env),
    webhooks: {
      worker: parseSwitch(env, 'FLOCK_WEBHOOK_WORKER', true),
      retryBaseMs: parseLimit(env, 'FLOCK_WEBHOOK_RETRY_BASE_MS', 10_000),
      pollMs: parseLimit(env, 'FLOCK_WEBHOOK_POLL_MS', 1000),
      privateTargets: env.FLOCK_WEBHOOK_PRIVATE_TARGETS === '1',
    },
    rebuild: { timeoutSeconds: parseLimit(env, 'FLOCK_REBUILD_TIMEOUT', 600), path: env.PATH ?? '/usr/local/bin:/usr/bin:/bin', localRepositories: env.FLOCK_REBUILD_LOCAL_REPOS === '1' },
  });
}
