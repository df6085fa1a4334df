import { createHash, randomBytes } from 'node:crypto';
import { FlockError } from '@flock/core';
import type { GithubConfig } from '../config.js';

export interface GithubUser {
  /** GitHub's numeric id, as text: the stable key (a login can be renamed and reused). */
  id: string;
  login: string;
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** PKCE (RFC 7636): the challenge sent with the authorization request is the S256 of the verifier kept server-side. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function githubFailed(what: string, cause?: unknown): FlockError {
  return new FlockError('bad_request', `Sign-in with GitHub failed: ${what}`, { cause });
}

/** GitHub's OAuth web flow (authorization code + PKCE), against github.com or a GitHub Enterprise host. */
export function createGithubOAuth(config: GithubConfig) {
  function authorizeUrl(input: { redirectUri: string; state: string; verifier: string }): string {
    const url = new URL(`${config.url}/login/oauth/authorize`);
    url.searchParams.set('client_id', config.clientId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('state', input.state);
    url.searchParams.set('code_challenge', pkceChallenge(input.verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('allow_signup', 'true');
    return url.href;
  }

  async function exchangeCode(input: { code: string; redirectUri: string; verifier: string }): Promise<string> {
    let body: { access_token?: string; error?: string; error_description?: string };
    try {
      const response = await fetch(`${config.url}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: config.clientId,
          client_secret: config.clientSecret,
          code: input.code,
          redirect_uri: input.redirectUri,
          code_verifier: input.verifier,
        }),
      });
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw githubFailed('GitHub could not be reached', error);
    }
    if (typeof body.access_token !== 'string') throw githubFailed(body.error_description ?? body.error ?? 'no access token');
    return body.access_token;
  }

  async function fetchUser(accessToken: string): Promise<GithubUser> {
    let body: { id?: unknown; login?: unknown };
    try {
      const response = await fetch(`${config.apiUrl}/user`, {
        headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${accessToken}`, 'user-agent': 'flock-registry' },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw githubFailed('could not read the GitHub user', error);
    }
    if (typeof body.id !== 'number' || typeof body.login !== 'string') throw githubFailed('unexpected answer from GitHub');
    return { id: String(body.id), login: body.login };
  }

  return { authorizeUrl, exchangeCode, fetchUser };
}

export type GithubOAuth = ReturnType<typeof createGithubOAuth>;
