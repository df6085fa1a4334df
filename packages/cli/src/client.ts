import { CliExit, type CommandContext } from './context.js';
import { findToken, registryUrl, requireToken } from './credentials.js';

export interface RawResponse {
  status: number;
  ok: boolean;
  /** The body exactly as received: the CLI prints the registry's answers raw. */
  text: string;
  bytes: Uint8Array;
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
        const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new CliExit(`Could not reach the registry at ${origin} (${reason})`);
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url);
        continue;
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, ok: response.ok, bytes, text: Buffer.from(bytes).toString('utf8') };
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
