import { z } from 'zod';
import { apiFailure } from '../api-error.js';
import { createClient, readJson, type RegistryClient } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';

const ID_TOKEN_TIMEOUT_MS = 10_000;
const MAX_ID_TOKEN_ANSWER = 64 * 1024;
const EXCHANGE_ANSWER = z.object({
  token: z.string().regex(/^flock_oidc_[A-Za-z0-9_-]{43}$/),
  expiresAt: z.string(),
  publisher: z.object({ id: z.string(), issuer: z.string() }),
  // Absent from a registry before unusual-publish checks: then there is no lineage to check.
  versions: z.array(z.object({ version: z.string(), commit: z.string().nullable() })).optional(),
});

/** Where a CI run's ID token comes from: FLOCK_OIDC_TOKEN, or GitHub Actions' token endpoint. */
export interface TrustedPublishing {
  /** A fresh ID token for `audience` (each exchange spends one: the registry refuses a replayed jti). */
  idToken(audience: string): Promise<string>;
  audience: string;
}

/** Reads GitHub Actions' `{"value":"<jwt>"}`, bounded in time and size. */
async function githubIdToken(requestUrl: string, requestToken: string, audience: string): Promise<string> {
  const url = `${requestUrl}${requestUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
  if (!/^https?:\/\//i.test(url)) throw new CliExit('ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL');
  let text: string;
  try {
    const response = await fetch(url, { headers: { authorization: `bearer ${requestToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(ID_TOKEN_TIMEOUT_MS) });
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_ID_TOKEN_ANSWER) throw new Error('too large');
    text = await response.text();
    if (!response.ok || text.length > MAX_ID_TOKEN_ANSWER) throw new Error(`HTTP ${response.status}`);
  } catch {
    // The request token is a secret: the message never quotes the request.
    throw new CliExit('Cannot publish: could not get an ID token from GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL)');
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    // one error below
  }
  if (typeof value !== 'string' || value === '') throw new CliExit('Cannot publish: GitHub Actions answered no ID token');
  return value;
}

/**
 * Trusted publishing is used when the environment offers an ID token: FLOCK_OIDC_TOKEN, or
 * GitHub Actions with `permissions: id-token: write`. The audience is FLOCK_OIDC_AUDIENCE, else
 * the registry's origin (what `flock trust add` registers by default). Null: publish with a token.
 */
export function trustedPublishing(ctx: CommandContext, registry: string): TrustedPublishing | null {
  const audience = ctx.env.FLOCK_OIDC_AUDIENCE?.trim() || new URL(registry).origin;
  const given = ctx.env.FLOCK_OIDC_TOKEN?.trim();
  if (given) return { audience, idToken: async () => given };
  const url = ctx.env.ACTIONS_ID_TOKEN_REQUEST_URL?.trim();
  const token = ctx.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN?.trim();
  if (url && token) return { audience, idToken: (aud) => githubIdToken(url, token, aud) };
  return null;
}

/**
 * One exchange per package published: the registry answers a short-lived token bound to that
 * package, and the returned client publishes its archive and docs with it. The answer also
 * lists the package's versions and commits, for the lineage check the token cannot read itself.
 */
export async function exchangeFor(
  ctx: CommandContext, trusted: TrustedPublishing, registry: string, pkg: string, told: { said: boolean },
): Promise<{ client: RegistryClient; versions: Array<{ version: string; commit: string | null }> }> {
  const idToken = await trusted.idToken(trusted.audience);
  const response = await createClient(registry, null).request('api/v1/oidc/exchange', {
    method: 'POST', body: JSON.stringify({ token: idToken, package: pkg }), contentType: 'application/json',
  });
  if (!response.ok) throw apiFailure(response, 'Cannot publish');
  const answer = readJson<z.infer<typeof EXCHANGE_ANSWER>>(response, EXCHANGE_ANSWER);
  if (!told.said) ctx.err(`Publishing with trusted publisher ${answer.publisher.issuer.replace(/[\u0000-\u001f\u007f]/g, ' ')}`);
  told.said = true;
  return { client: createClient(registry, answer.token), versions: answer.versions ?? [] };
}
