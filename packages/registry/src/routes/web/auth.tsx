import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { FlockError } from '@flock/core';
import { randomSecret } from '../../auth/github.js';
import { statusOf } from '../../app.js';
import { parseNextPath } from '../../auth/next-path.js';
import type { AppContext, AppEnv } from '../../http.js';
import { ErrorPage } from './layout.js';
import { LoginPage, type SignInMethods } from './login-page.js';
import { endSession, startSession } from './session.js';

/** Ties a GitHub sign-in to the browser that began it; the state row stores only its hash. */
const BINDING_COOKIE = 'flock_oauth';

export const methodsOf = (c: AppContext): SignInMethods => ({ github: c.var.auth.github !== null, local: c.var.auth.localAccounts });
const callbackUrl = (c: AppContext) => `${c.var.publicUrl}/auth/github/callback`;

function signInFailed(c: AppContext, message: string) {
  deleteCookie(c, BINDING_COOKIE, { path: '/auth/github' });
  return c.html(<ErrorPage title="Sign-in failed" message={message} />, 400);
}

async function githubCallback(c: AppContext) {
  const github = c.var.auth.github;
  if (!github) throw new FlockError('not_found', 'Sign-in with GitHub is not set up on this registry');
  const { state, code, error, error_description: description } = c.req.query();
  if (!state) return signInFailed(c, 'GitHub sent no state: please sign in again.');
  let started: { verifier: string; next: string };
  try {
    // Used up even when GitHub reports an error, so a state never works twice.
    started = await c.var.services.sessions.finishOAuth({ state, binding: getCookie(c, BINDING_COOKIE) });
  } catch (e) {
    if (e instanceof FlockError && e.code === 'bad_request') return signInFailed(c, e.message);
    throw e;
  }
  if (error) return signInFailed(c, `GitHub did not sign you in: ${description ?? error}`);
  if (!code) return signInFailed(c, 'GitHub sent no code: please sign in again.');
  try {
    const accessToken = await github.exchangeCode({ code, redirectUri: callbackUrl(c), verifier: started.verifier });
    const principal = await c.var.services.signIn.withGithub(await github.fetchUser(accessToken));
    deleteCookie(c, BINDING_COOKIE, { path: '/auth/github' });
    await startSession(c, principal);
    return c.redirect(started.next, 303);
  } catch (e) {
    if (e instanceof FlockError && e.code !== 'internal') return signInFailed(c, e.message);
    throw e;
  }
}

async function localForm(c: AppContext, kind: 'login' | 'signup') {
  if (!c.var.auth.localAccounts) throw new FlockError('not_found', 'Local accounts are turned off on this registry');
  const form = await c.req.parseBody();
  const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
  const next = parseNextPath(field('next') || undefined);
  try {
    const input = { username: field('username'), password: field('password') };
    const principal = kind === 'login' ? await c.var.services.signIn.signIn(input) : await c.var.services.signIn.signUp(input);
    await startSession(c, principal);
    return c.redirect(next, 303);
  } catch (e) {
    const status = statusOf(e);
    if (status === null || status >= 500) throw e;
    const retryAfter = (e as FlockError).retryAfterSeconds;
    if (retryAfter !== undefined) c.header('retry-after', String(retryAfter));
    return c.html(<LoginPage methods={methodsOf(c)} next={next} error={(e as Error).message} />, status);
  }
}

/** Signing in and out: GitHub's OAuth web flow with PKCE, local accounts, sign-out. */
export function authRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/login', (c) => c.html(<LoginPage methods={methodsOf(c)} next={parseNextPath(c.req.query('next'))} />));

  app.get('/login/github', async (c) => {
    const github = c.var.auth.github;
    if (!github) throw new FlockError('not_found', 'Sign-in with GitHub is not set up on this registry');
    const next = parseNextPath(c.req.query('next'));
    const binding = randomSecret();
    const verifier = randomSecret();
    const state = await c.var.services.sessions.beginOAuth({ binding, verifier, next });
    setCookie(c, BINDING_COOKIE, binding, { httpOnly: true, sameSite: 'Lax', secure: c.var.auth.secureCookies, path: '/auth/github', maxAge: 600 });
    return c.redirect(github.authorizeUrl({ redirectUri: callbackUrl(c), state, verifier }), 302);
  });

  app.get('/auth/github/callback', githubCallback);
  app.post('/login', (c) => localForm(c, 'login'));
  app.post('/signup', (c) => localForm(c, 'signup'));
  app.post('/logout', async (c) => {
    await endSession(c);
    return c.redirect('/', 303);
  });
  return app;
}
