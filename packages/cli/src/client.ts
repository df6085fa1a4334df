import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
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

export interface ClientLimits {
  /** A registry that sends nothing for this long (connecting, or mid-answer) is given up on. */
  idleTimeoutMs: number;
  /** The largest answer read into memory; far above any archive or docs limit a registry would set. */
  maxAnswerBytes: number;
}

const DEFAULT_CLIENT_LIMITS: ClientLimits = { idleTimeoutMs: 120_000, maxAnswerBytes: 512 * 1024 * 1024 };

/**
 * Why a request failed, for a message: the network error's code (ECONNREFUSED,
 * ECONNRESET), never its message, which may quote request headers and so
 * the token. Anything else (a header Node refuses to send) is not named.
 */
function failureReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'the request failed';
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Null when the connection closed before the whole body came. */
  bytes: Buffer | null;
  /** Why the body stopped short, when it did. */
  error?: unknown;
}

/** An error with the errno-style code failureReason names. */
function codedError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/**
 * One HTTP exchange through node:http(s) rather than fetch: Node 20 loads
 * fetch's implementation (undici) on first use, which cost more than the rest
 * of `flock whoami` together. Rejects only when no answer came.
 */
async function send(url: URL, method: string, headers: Record<string, string>, body: Uint8Array | string | undefined, limits: ClientLimits): Promise<HttpAnswer> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    // Why we stopped the exchange ourselves; the response then only reports that it was aborted.
    let stopped: Error | undefined;
    const stop = (code: string) => req.destroy((stopped = codedError(code)));
    let responded = false;
    const req = request(url, { method, headers, timeout: limits.idleTimeoutMs }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      let size = 0;
      let error: unknown;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        // Stop reading (and growing) at once; 'close' then reports the answer as cut off.
        if (size > limits.maxAnswerBytes) return void stop('ETOOLARGE');
        chunks.push(chunk);
      });
      res.on('error', (e) => (error = stopped ?? e));
      res.on('close', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, headers: res.headers, bytes: res.complete && !stopped ? Buffer.concat(chunks) : null, error: stopped ?? error });
      });
    });
    // Idle past the limit: give up rather than wait for ever on a registry that stopped answering.
    req.on('timeout', () => stop('ETIMEDOUT'));
    // Once an answer has begun, its 'close' settles the exchange (as cut off, if it was).
    req.on('error', (error) => {
      if (!responded) reject(stopped ?? error);
    });
    req.end(body);
  });
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
export function createClient(baseUrl: string, token: string | null, limits: ClientLimits = DEFAULT_CLIENT_LIMITS) {
  const origin = new URL(baseUrl).origin;

  async function request(path: string, options: RequestOptions = {}): Promise<RawResponse> {
    let url = new URL(path, `${baseUrl}/`);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { 'user-agent': 'flock-cli' };
      if (options.auth && token && url.origin === origin) headers.authorization = `Bearer ${token}`;
      if (options.contentType) headers['content-type'] = options.contentType;
      if (options.headers && url.origin === origin) Object.assign(headers, options.headers);
      let answer: HttpAnswer;
      try {
        answer = await send(url, options.method ?? 'GET', headers, options.body, limits);
      } catch (error) {
        throw new CliExit(`Could not reach the registry at ${origin} (${failureReason(error)})`);
      }
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && location) {
        url = redirectTarget(location, url, origin);
        continue;
      }
      if (answer.bytes === null) {
        const tooLarge = (answer.error as { code?: unknown } | undefined)?.code === 'ETOOLARGE';
        throw new CliExit(tooLarge ? `The answer from ${url.origin} is larger than ${limits.maxAnswerBytes} bytes` : `The answer from ${url.origin} was cut off (${failureReason(answer.error)})`);
      }
      const bytes = new Uint8Array(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength);
      const contentType = answer.headers['content-type'] ?? '';
      const ok = answer.status >= 200 && answer.status < 300;
      return { status: answer.status, ok, bytes, text: answer.bytes.toString('utf8'), contentType, registry: origin };
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

/**
 * The same, for the transparency log's answers, which are small: the largest is an entry bundle
 * (256 records of at most 64 KiB); a registry that sends more is stopped early.
 */
export async function logClient(ctx: CommandContext): Promise<RegistryClient> {
  return createClient(await registryUrl(ctx), await findToken(ctx), { ...DEFAULT_CLIENT_LIMITS, maxAnswerBytes: 17 * 1024 * 1024 });
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
 * The shapes of the registry's answers that more than one command reads (the
 * DTOs in @flock/core's api.ts), as far as flock uses them: a server that is
 * not a Flock registry (or answers `{}`) is refused in one line before
 * anything is printed, saved or claimed. Extra fields are allowed.
 */
export const OK_ANSWER = z.object({ ok: z.literal(true) });
export const ME_ANSWER = z.object({ username: z.string(), orgs: z.array(z.object({ name: z.string(), role: z.string() })) });
export const PACKAGE_ANSWER = z.object({
  visibility: z.string(),
  latest: z.string().nullish(),
  versions: z.array(z.object({ version: z.string(), yanked: z.boolean() })),
  deprecated: z.string().nullish(),
});
export const VERSION_ANSWER = z.object({
  org: z.string(),
  version: z.string(),
  yanked: z.boolean(),
  yankReason: z.string().nullish(),
  description: z.string().nullish(),
  license: z.string().nullish(),
  repository: z.string().nullish(),
  dependencies: z.array(z.object({ package: z.string(), range: z.string() })),
  publisher: z.string(),
  publishedAt: z.string(),
  provenance: z.object({
    repository: z.string().nullish(), commit: z.string().nullish(), dirty: z.boolean(), path: z.string(), buildCommand: z.string().nullish(),
  }).nullish(),
  trustedPublisher: z.object({ id: z.string(), issuer: z.string(), claims: z.record(z.string(), z.string()) }).nullish(),
  // Absent from registries older than unusual-publish flags.
  flags: z.array(z.string()).optional(),
  // Absent from registries without rebuild workers.
  rebuild: z.object({
    status: z.string(),
    detail: z.object({ paths: z.array(z.string()).optional(), more: z.number().optional(), reason: z.string().optional(), isolation: z.string().optional() }).nullish(),
    at: z.string().nullish(),
  }).nullish(),
});

function parseChecked<T>(text: string, schema: z.ZodType, response: RawResponse): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliExit(`The registry at ${response.registry} did not answer with valid JSON: ${describeAnswer(response)}`);
  }
  if (!schema.safeParse(value).success) throw new CliExit(`The registry at ${response.registry} answered JSON without the fields flock expects: ${describeAnswer(response)}`);
  return value as T;
}

/** The registry's JSON answer, if it has the shape `schema` wants; anything else stops with one line. */
export function readJson<T>(response: RawResponse, schema: z.ZodType): T {
  return parseChecked<T>(response.text, schema, response);
}

/** Newline-delimited JSON (the sparse index), every line checked like readJson's answer. */
export function readJsonLines<T>(response: RawResponse, schema: z.ZodType): T[] {
  return response.text.split('\n').filter((line) => line.trim().length > 0).map((line) => parseChecked<T>(line, schema, response));
}
