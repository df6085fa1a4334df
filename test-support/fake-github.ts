import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithubUser {
  id: number;
  login: string;
}

export interface FakeGithub {
  /** Base URL, used for both FLOCK_GITHUB_URL and FLOCK_GITHUB_API_URL. */
  url: string;
  /** Settings to start a registry with this fake as its GitHub app. */
  env: Record<string, string>;
  /** Who the next authorization signs in as (GitHub's "logged-in user"). */
  signInAs(user: FakeGithubUser): void;
  /** Makes the next authorization answer with ?error=… instead of a code, as when the user clicks "Cancel". */
  denyNext(error: string): void;
  close(): Promise<void>;
}

const CLIENT_ID = 'flock-test-client';
const CLIENT_SECRET = 'flock-test-secret';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * A fake of GitHub's OAuth web flow on 127.0.0.1, strict where GitHub is:
 * client id and secret, the redirect_uri and the PKCE verifier must match,
 * and a code works once. Authorization redirects straight back (the user is
 * already signed in to the fake and has approved the app).
 */
export async function startFakeGithub(): Promise<FakeGithub> {
  let user: FakeGithubUser = { id: 1, login: 'octocat' };
  let deny: string | null = null;
  const codes = new Map<string, { user: FakeGithubUser; redirectUri: string; challenge: string }>();
  const accessTokens = new Map<string, FakeGithubUser>();

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== CLIENT_ID || !redirectUri.endsWith('/auth/github/callback') || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        return json(400, { error: 'bad authorize request' });
      }
      const back = new URL(redirectUri);
      if (deny) {
        back.searchParams.set('error', deny);
        back.searchParams.set('error_description', 'The user has denied your application access.');
        deny = null;
      } else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { user, redirectUri, challenge: q.get('code_challenge')! });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = new URLSearchParams(await readBody(req));
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!grant || form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET || form.get('redirect_uri') !== grant.redirectUri || challenge !== grant.challenge) {
        return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      accessTokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: '' });
    }
    if (req.method === 'GET' && url.pathname === '/user') {
      const who = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      return who ? json(200, { id: who.id, login: who.login }) : json(401, { message: 'Bad credentials' });
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: { FLOCK_GITHUB_CLIENT_ID: CLIENT_ID, FLOCK_GITHUB_CLIENT_SECRET: CLIENT_SECRET, FLOCK_GITHUB_URL: url, FLOCK_GITHUB_API_URL: url },
    signInAs: (next) => (user = next),
    denyNext: (error) => (deny = error),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
