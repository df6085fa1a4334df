import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { FlockError, parseOrgName, parsePackageName } from '@flock/core';
import type { AppEnv } from '../http.js';
import { SECURITY_HEADERS } from '../security-headers.js';
import type { Services } from '../services/index.js';
import type { IndexEntry } from '../services/sparse-index.js';
import type { MirroredIndex } from '../services/mirror.js';

export interface IndexRequest {
  org: string;
  name: string;
  authorization: string | undefined;
  ifNoneMatch: string | undefined;
}

export interface IndexAnswer {
  status: 200 | 304 | 404;
  /** Everything to send, the security headers included. */
  headers: Record<string, string>;
  body: Buffer | null;
}

function bearer(header: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new FlockError('invalid_token', 'Invalid token');
  return match[1]!;
}

// One answer for "never published" and "private and not yours": same status, body and headers.
function notFound(org: string, name: string): IndexAnswer {
  const body = Buffer.from(JSON.stringify({ error: `Package ${org}/${name} not found` }));
  return {
    status: 404,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(body.byteLength) },
    body,
  };
}

/**
 * The sparse index answer, free of any HTTP framework so the server can also
 * call it on its fast path. Once warm it touches no database: the entry, the
 * token's principal and the membership all come from memory. Bad names and
 * bad tokens throw FlockError, for app.ts to map.
 */
export async function answerIndex(services: Services, request: IndexRequest): Promise<IndexAnswer> {
  const org = parseOrgName(request.org);
  const name = parsePackageName(request.name);
  const principal = request.authorization === undefined ? null : await services.auth.principal(bearer(request.authorization));
  const entry = await services.sparseIndex.get(org, name);
  if (entry === null && services.mirror !== null) {
    // Not here: a mirror answers from its upstream or its database cache (so never on the fast path).
    const mirrored = await services.mirror.index(principal, org, name);
    return mirrored === null ? notFound(org, name) : respondMirrored(mirrored, request.ifNoneMatch);
  }
  const readable = entry !== null && (await services.access.canRead(principal, { visibility: entry.visibility, org_id: entry.orgId }));
  return respond(org, name, entry, readable, request.ifNoneMatch);
}

function respondMirrored(mirrored: MirroredIndex, ifNoneMatch: string | undefined): IndexAnswer {
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/x-ndjson; charset=utf-8',
    etag: mirrored.etag,
    'cache-control': mirrored.private ? 'private, no-cache' : 'public, max-age=60',
    'content-length': String(mirrored.body.byteLength),
  };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === mirrored.etag)) return { status: 304, headers, body: null };
  return { status: 200, headers, body: mirrored.body };
}

/**
 * The same answer when everything it needs is already in memory (the warm
 * case), without a promise; undefined when something must be looked up.
 */
export function answerIndexNow(services: Services, request: IndexRequest): IndexAnswer | undefined {
  const org = parseOrgName(request.org);
  const name = parsePackageName(request.name);
  const principal = request.authorization === undefined ? null : services.auth.peekPrincipal(bearer(request.authorization));
  if (principal === undefined) return undefined;
  const entry = services.sparseIndex.peek(org, name);
  if (entry === undefined || (entry === null && services.mirror !== null)) return undefined;
  const readable = entry !== null && services.access.canReadNow(principal, { visibility: entry.visibility, org_id: entry.orgId });
  if (readable === undefined) return undefined;
  return respond(org, name, entry, readable, request.ifNoneMatch);
}

// An entry's headers plus the security headers (the fast path answers without Hono's middleware),
// merged once per entry: a fresh object per answer cost 5–7 µs of server CPU each (npm run bench:index).
const answerHeaders = new WeakMap<IndexEntry, Record<string, string>>();

function headersOf(entry: IndexEntry): Record<string, string> {
  let headers = answerHeaders.get(entry);
  if (headers === undefined) answerHeaders.set(entry, (headers = { ...SECURITY_HEADERS, ...entry.headers }));
  return headers;
}

function respond(org: string, name: string, entry: IndexEntry | null, readable: boolean, ifNoneMatch: string | undefined): IndexAnswer {
  if (entry === null || !readable) return notFound(org, name);
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === entry.etag)) {
    return { status: 304, headers: headersOf(entry), body: null };
  }
  return { status: 200, headers: headersOf(entry), body: entry.body };
}

/** GET /index/:org/:name */
export function indexRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:org/:name', async (c) => {
    const answer = await answerIndex(c.var.services, {
      org: c.req.param('org'),
      name: c.req.param('name'),
      authorization: c.req.header('authorization'),
      ifNoneMatch: c.req.header('if-none-match'),
    });
    if (answer.status === 304 || answer.body === null) return c.body(null, 304, answer.headers);
    const { body } = answer;
    return c.body(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>, answer.status, answer.headers);
  });
  return app;
}

const INDEX_PATH = /^\/index\/([^/?#]+)\/([^/?#]+)\/?(?:\?.*)?$/;

/**
 * The index's fast path, in front of Hono: a warm GET /index/:org/:name is
 * answered straight onto node's response, with no Request/Response objects
 * built per request. Returns false when the request is not an index GET; any
 * failure (a bad name, a bad token) is handed to `fallback` (the Hono app),
 * which answers it with the usual error mapping — a GET has no body to lose.
 */
export function indexFastPath(services: Services, count: (status: number) => void = () => {}) {
  return (req: IncomingMessage, res: ServerResponse, fallback: () => void): boolean => {
    if (req.method !== 'GET') return false;
    const match = INDEX_PATH.exec(req.url ?? '');
    if (match === null) return false;
    let org: string;
    let name: string;
    try {
      org = decodeURIComponent(match[1]!);
      name = decodeURIComponent(match[2]!);
    } catch {
      return false;
    }
    const request = { org, name, authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'] };
    const send = (answer: IndexAnswer) => {
      res.writeHead(answer.status, answer.headers).end(answer.body ?? undefined);
      count(answer.status);
    };
    let now: IndexAnswer | undefined;
    try {
      now = answerIndexNow(services, request);
    } catch {
      fallback();
      return true;
    }
    if (now !== undefined) send(now);
    else answerIndex(services, request).then(send, () => fallback());
    return true;
  };
}
