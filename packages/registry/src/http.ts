import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { FlockError, parseOrgName, parsePackageName, parseVersion, type OrgName, type PackageName, type Version } from '@flock/core';
import type { Principal } from './auth/principal.js';
import type { Metrics } from './observability.js';
import type { AuthSettings } from './auth/settings.js';
import type { Services } from './services/index.js';

export interface AppEnv {
  Variables: {
    services: Services;
    metrics: Metrics;
    publicUrl: string;
    principal: Principal | null;
    auth: AuthSettings;
  };
}

export type AppContext = Context<AppEnv>;

export const SESSION_COOKIE = 'flock_session';

/** The API, the sparse index and /metrics answer in JSON (errors included); pages answer in HTML. */
export const wantsJson = (path: string) => path.startsWith('/api/') || path.startsWith('/index/') || path.startsWith('/log/') || path === '/metrics';

/** Whether Hono's parseBody would read this body as a form: it compares the media type case-insensitively, and so must we. */
export function isFormBody(c: AppContext): boolean {
  const type = c.req.header('content-type')?.split(';')[0]!.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
}

const MAX_FORM_BYTES = 64 * 1024;

/**
 * Caps form bodies (the pages' forms are far smaller, the API takes none)
 * before anything parses them: the CSRF check reads a form before anyone is
 * authenticated. A declared Content-Length over the cap is refused at once; a
 * streamed body as soon as it passes the cap, never buffered further.
 */
export function limitFormBodies(): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: () => {
      throw new FlockError('too_large', `Form bodies are limited to ${MAX_FORM_BYTES / 1024} KiB`);
    },
  });
  return (c, next) => (isFormBody(c) ? limit(c, next) : next());
}

/**
 * Who is asking: the bearer token's principal, else the browser session's
 * (with `token: null`), else null. A bearer token that does not check out is
 * an error, never anonymous; a stale session cookie is just anonymous.
 */
export async function authenticate(c: AppContext): Promise<Principal | null> {
  const header = c.req.header('authorization');
  if (header === undefined) {
    const session = getCookie(c, SESSION_COOKIE);
    return session ? c.var.services.sessions.authenticate(session) : null;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new FlockError('invalid_token', 'Invalid token');
  // Through the short-lived auth cache, so reads with a token do not query the database each time.
  return c.var.services.auth.principal(match[1]!);
}

export async function requirePrincipal(c: AppContext): Promise<Principal> {
  const principal = await authenticate(c);
  if (!principal) throw new FlockError('unauthenticated', 'Authentication required: sign in, or send a token as "Authorization: Bearer flock_…"');
  return principal;
}

/** Route parameters become branded values here, once. */
export function packageParams(c: AppContext): { org: OrgName; name: PackageName } {
  return { org: parseOrgName(c.req.param('org') ?? ''), name: parsePackageName(c.req.param('name') ?? '') };
}

export function versionParams(c: AppContext): { org: OrgName; name: PackageName; version: Version } {
  return { ...packageParams(c), version: parseVersion(c.req.param('version') ?? '') };
}

/** Reads the request body, refusing it as soon as it passes `max` bytes (Content-Length is not trusted alone). */
export async function readBody(c: AppContext, max: number, what: string): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  const tooLarge = (size: number) => new FlockError('too_large', `${what} is ${size} bytes; the limit is ${max} bytes`);
  if (Number.isFinite(declared) && declared > max) throw tooLarge(declared);
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw tooLarge(size);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A JSON object body (at most `max` bytes); anything else is one clear 400. */
export async function readJson(c: AppContext, max = 64 * 1024): Promise<Record<string, unknown>> {
  const text = Buffer.from(await readBody(c, max, 'Request body')).toString('utf8');
  try {
    const body: unknown = JSON.parse(text);
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through to the one error below
  }
  throw new FlockError('bad_request', 'Expected a JSON object body');
}
