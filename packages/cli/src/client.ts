import { CliExit, type CommandContext } from './context.js';
import { findToken, registryUrl, requireToken } from './credentials.js';

export interface RawResponse {
  status: number;
  ok: boolean;
  /** The body exactly as received: the CLI prints the registry's answers raw. */
  text: string;
  bytes: Uint8Array;
  /** The Content-Type header, '' when absent: messages about answers that are not JSON name it. */
  contentType: string;
  /** The registry's origin (even when a redirect led elsewhere), for messages. */
  registry: string;
}

export interface RequestOptions {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  body?: Uint8Array | string;
  contentType?: string;
  /** Send the token (only ever to the registry's own origin). */
  auth?: boolean;
  /** Extra request headers (ASCII values), sent only to the registry's own origin. */
  headers?: Record<string, string>;
}

const MAX_REDIRECTS = 5;

/**
 * Why a fetch failed, for a message: the network error's code (ECONNREFUSED,
 * UND_ERR_SOCKET), never its message, which may quote request headers and so
 * the token.
 */
function failureReason(error: unknown): string {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? code : 'the request failed';
}

/** Where a redirect leads; a Location that is not an http(s) URL is the server's fault, told in one line. */
function redirectTarget(location: string, from: URL, origin: string): URL {
  let next: URL | null = null;
  try {
    next = new URL(location, from);
  } catch {
    // Reported below, like a non-http(s) target.
  }
  if (next === null || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
    throw new CliExit(`The registry at ${origin} redirected to an invalid address (its Location header is not an http(s) URL)`);
  }
  return next;
}

/**
 * The registry's HTTP client. Redirects are followed by hand so the token goes
 * only to the registry's own origin: a redirect to another host (a CDN, an S3
 * presigned URL) is followed without it.
 */
export function createClient(baseUrl: string, token: string | null) {
  const origin = new URL(baseUrl).origin;

  async function request(path: string, options: RequestOptions = {}): Promise<RawResponse> {
    let url = new URL(path, `${baseUrl}/`);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { 'user-agent': 'flock-cli' };
      if (options.auth && token && url.origin === origin) headers.authorization = `Bearer ${token}`;
      if (options.contentType) headers['content-type'] = options.contentType;
      if (options.headers && url.origin === origin) Object.assign(headers, options.headers);
      let response: Response;
      try {
        response = await fetch(url, { method: options.method ?? 'GET', headers, body: options.body, redirect: 'manual' });
      } catch (error) {
        throw new CliExit(`Could not reach the registry at ${origin} (${failureReason(error)})`);
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = redirectTarget(location, url, origin);
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw new CliExit(`The answer from ${url.origin} was cut off (${failureReason(error)})`);
      }
      const contentType = response.headers.get('content-type') ?? '';
      return { status: response.status, ok: response.ok, bytes, text: Buffer.from(bytes).toString('utf8'), contentType, registry: origin };
    }
    throw new CliExit(`Too many redirects from ${origin}`);
  }

  return { baseUrl, request };
}

export type RegistryClient = ReturnType<typeof createClient>;

/** A client for the configured registry that sends the saved token when there is one (reads of private packages). */
export async function registryClient(ctx: CommandContext): Promise<RegistryClient> {
  return createClient(await registryUrl(ctx), await findToken(ctx));
}

/** A client for calls that need a token; without one it stops with the "flock login" hint. */
export async function signedInClient(ctx: CommandContext): Promise<RegistryClient> {
  return createClient(await registryUrl(ctx), await requireToken(ctx));
}

/** What came back, for messages about answers flock cannot use: "HTTP 500 (text/html)", "HTTP 404 (empty body)". */
export function describeAnswer(response: RawResponse): string {
  const type = response.contentType.split(';')[0]!.trim();
  return `HTTP ${response.status} (${response.bytes.byteLength === 0 ? 'empty body' : type || 'no content type'})`;
}

/**
 * Light shape checks of the registry's JSON answers: each command checks the
 * fields it uses, so a server that is not a Flock registry (or answers `{}`)
 * is refused in one line before anything is printed, saved or claimed.
 */
export type Check = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const is = {
  string: ((v) => typeof v === 'string') as Check,
  number: ((v) => typeof v === 'number') as Check,
  boolean: ((v) => typeof v === 'boolean') as Check,
  literal: (expected: unknown): Check => (v) => v === expected,
  /** null or absent, else `check`. */
  nullable: (check: Check): Check => (v) => v === null || v === undefined || check(v),
  array: (check: Check): Check => (v) => Array.isArray(v) && v.every(check),
  record: (check: Check): Check => (v) => isObject(v) && Object.values(v).every(check),
  /** An object with at least these fields (others are ignored). */
  object: (fields: Record<string, Check>): Check => (v) => isObject(v) && Object.entries(fields).every(([key, check]) => check(v[key])),
};

/** The shapes more than one command reads (the DTOs in @flock/core's api.ts). */
export const OK_ANSWER = is.object({ ok: is.literal(true) });
export const ME_ANSWER = is.object({ username: is.string, orgs: is.array(is.object({ name: is.string, role: is.string })) });
export const PACKAGE_ANSWER = is.object({
  visibility: is.string,
  latest: is.nullable(is.string),
  versions: is.array(is.object({ version: is.string, yanked: is.boolean })),
});
export const VERSION_ANSWER = is.object({
  org: is.string,
  version: is.string,
  yanked: is.boolean,
  description: is.nullable(is.string),
  license: is.nullable(is.string),
  repository: is.nullable(is.string),
  dependencies: is.array(is.object({ package: is.string, range: is.string })),
  publisher: is.string,
  publishedAt: is.string,
  provenance: is.nullable(is.object({
    repository: is.nullable(is.string), commit: is.nullable(is.string), dirty: is.boolean, path: is.string, buildCommand: is.nullable(is.string),
  })),
});

function parseChecked<T>(text: string, check: Check, response: RawResponse): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliExit(`The registry at ${response.registry} did not answer with valid JSON: ${describeAnswer(response)}`);
  }
  if (!check(value)) throw new CliExit(`The registry at ${response.registry} answered JSON without the fields flock expects: ${describeAnswer(response)}`);
  return value as T;
}

/** The registry's JSON answer, if it has the shape `check` wants; anything else stops with one line. */
export function readJson<T>(response: RawResponse, check: Check): T {
  return parseChecked<T>(response.text, check, response);
}

/** Newline-delimited JSON (the sparse index), every line checked like readJson's answer. */
export function readJsonLines<T>(response: RawResponse, check: Check): T[] {
  return response.text.split('\n').filter((line) => line.trim().length > 0).map((line) => parseChecked<T>(line, check, response));
}
