import { FlockError } from '@flock/core';
import { readCapped } from '../read-capped.js';

/**
 * The HTTP side of a mirror (services/mirror.ts): requests to the upstream Flock registry, each
 * bounded in time (FLOCK_UPSTREAM_TIMEOUT, body included) and in size, read before anything is
 * done with them. "Unreachable" (a refused connection, a timeout, a 5xx) is its own answer, so the
 * mirror can fall back to what it cached; an org token is sent only where it was asked for.
 */

export interface UpstreamDeps {
  url: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export type UpstreamAnswer =
  | { kind: 'ok'; status: number; body: Buffer; headers: Headers }
  /** 304, or a 4xx the caller reads itself (404 is a common one). */
  | { kind: 'status'; status: number; body: Buffer; headers: Headers }
  | { kind: 'unreachable'; reason: string };

/** Index answers and log lookups are small; a bigger one is not a Flock registry's. */
export const MAX_INDEX_BYTES = 8 * 1024 * 1024;
const MAX_SMALL_BYTES = 64 * 1024;
/** A full hash tile: 256 × 32 bytes. */
const MAX_TILE_BYTES = 8192;

export function createUpstreamClient({ url, timeoutMs, fetch: fetchImpl = fetch }: UpstreamDeps) {
  async function get(path: string, options: { token?: string | null; etag?: string | null; max: number; followRedirects?: boolean }): Promise<UpstreamAnswer> {
    const headers: Record<string, string> = { 'user-agent': 'flock-registry-mirror' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.etag) headers['if-none-match'] = options.etag;
    let response: Response;
    try {
      // Only archive downloads follow redirects (an S3 upstream sends a presigned URL; the checksum
      // decides what is kept). fetch drops the Authorization header on a redirect to another origin.
      response = await fetchImpl(`${url}/${path}`, { headers, redirect: options.followRedirects ? 'follow' : 'error', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      return { kind: 'unreachable', reason: describe(error) };
    }
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'unreachable', reason: `HTTP ${response.status}` };
    }
    let body: Buffer | null;
    try {
      body = await readCapped(response, options.max);
    } catch (error) {
      return { kind: 'unreachable', reason: describe(error) };
    }
    if (body === null) throw new FlockError('bad_gateway', `The upstream registry's answer to ${path} is larger than ${options.max} bytes`);
    return { kind: response.status === 200 ? 'ok' : 'status', status: response.status, body, headers: response.headers };
  }

  const seg = encodeURIComponent;
  return {
    url,
    index: (org: string, name: string, etag: string | null, token: string | null) => get(`index/${seg(org)}/${seg(name)}`, { etag, token, max: MAX_INDEX_BYTES }),
    archive: (org: string, name: string, version: string, token: string | null, max: number) =>
      get(`api/v1/packages/${seg(org)}/${seg(name)}/${seg(version)}/download`, { token, max, followRedirects: true }),
    /** The upstream's org page: 200 when the org exists there (private packages or not), 404 when not. */
    org: (org: string) => get(`flock/${seg(org)}`, { max: 4 * 1024 * 1024 }),
    logKey: () => get('log/key', { max: MAX_SMALL_BYTES }),
    logCheckpoint: () => get('log/checkpoint', { max: MAX_SMALL_BYTES }),
    logTile: (path: string) => get(`log/${path}`, { max: MAX_TILE_BYTES }),
    logLookup: (org: string, name: string, version: string, token: string | null) =>
      get(`api/v1/log/lookup/${seg(org)}/${seg(name)}/${seg(version)}`, { token, max: MAX_SMALL_BYTES }),
  };
}

/** One line without secrets: the cause's code where there is one ("ECONNREFUSED"), else its message. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if ((error as Error)?.name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

export type UpstreamClient = ReturnType<typeof createUpstreamClient>;
