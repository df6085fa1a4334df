import { Hono } from 'hono';
import { FlockError } from '@flock/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { statusOf } from '../../app.js';
import { DEFAULT_SCOPES, SCOPES, type Scope } from '../../auth/principal.js';
import type { AppContext, AppEnv } from '../../http.js';
import { parseScopes } from '../../services/tokens.js';
import { Csrf } from './account-page.js';
import { Layout } from './layout.js';
import { loginRedirect, pageSession, type PageSession } from './session.js';

type Form = Record<string, string | File | (string | File)[]>;

interface DevicePageProps {
  username: string;
  csrf: string;
  /** What the user typed, to show again; bounded before it gets here. */
  code: string;
  /** The sign-in found for the code, when one was. */
  pending?: { userCode: string; name: string } | null;
  error?: string | null;
  /** The outcome, once approved or denied. */
  done?: { approved: boolean; name: string } | null;
}

function CodeForm({ code }: { code: string }) {
  return (
    <form method="get" action="/device" class="row" id="code-form">
      <div><label for="device-code">Code shown by flock login --web</label><input type="text" id="device-code" name="code" value={code} placeholder="ABCD-EFGH" maxlength={20} autocomplete="off" required /></div>
      <button type="submit" id="continue">Continue</button>
    </form>
  );
}

function ApproveForm({ pending, csrf }: { pending: { userCode: string; name: string }; csrf: string }) {
  return (
    <form method="post" action="/device" id="approve-form">
      <Csrf value={csrf} />
      <input type="hidden" name="code" value={pending.userCode} />
      <p>A command line asks to sign in as you: <strong id="device-name">{pending.name}</strong>, with the code <code id="user-code">{pending.userCode}</code>.</p>
      <p class="muted">Approve it only if you started <code>flock login --web</code> yourself and your terminal shows this code.</p>
      <label>Scopes of its token (manage: your tokens, organizations, members and stores)</label>
      <div class="checks">
        {SCOPES.map((s) => (<label><input type="checkbox" name="scopes" value={s} checked={DEFAULT_SCOPES.includes(s)} />{s}</label>))}
      </div>
      <p class="row spaced">
        <button type="submit" name="decision" value="approve" id="approve">Approve</button>
        <button type="submit" name="decision" value="deny" class="danger" id="deny">Deny</button>
      </p>
    </form>
  );
}

export function DevicePage(props: DevicePageProps) {
  return (
    <Layout title="Sign in a command line — Flock" user={props.username}>
      <div class="card">
        <h1>Sign in a command line</h1>
        {props.error ? <p class="notice error" id="error">{props.error}</p> : null}
        {props.done ? (
          <p class="notice" id="result">
            {props.done.approved
              ? <>Approved: <strong>{props.done.name}</strong> is signed in as {props.username}. Return to your terminal.</>
              : <>Denied: <strong>{props.done.name}</strong> was not signed in.</>}
          </p>
        ) : props.pending ? <ApproveForm pending={props.pending} csrf={props.csrf} /> : <CodeForm code={props.code} />}
      </div>
    </Layout>
  );
}

const field = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string).slice(0, 40) : '');

/** Shows the page with a known refusal's message and status; anything else goes to the error boundary. */
function refused(c: AppContext, session: PageSession, code: string, error: unknown) {
  const status = statusOf(error);
  if (status === null || status >= 500) throw error;
  const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter !== undefined) c.header('retry-after', String(Math.max(1, retryAfter)));
  return c.html(<DevicePage username={session.principal.username} csrf={session.csrf} code={code} error={(error as Error).message} />, status as ContentfulStatusCode);
}

/** /device: where a signed-in user approves or denies a `flock login --web` (see services/device-codes.ts). */
export function deviceRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/device', async (c) => {
    const session = await pageSession(c);
    if (!session) return loginRedirect(c);
    const code = (c.req.query('code') ?? '').slice(0, 40);
    const page = (extra: Partial<DevicePageProps>) => <DevicePage username={session.principal.username} csrf={session.csrf} code={code} {...extra} />;
    if (code === '') return c.html(page({}));
    try {
      return c.html(page({ pending: await c.var.services.deviceCodes.find(session.principal, code) }));
    } catch (error) {
      return refused(c, session, code, error);
    }
  });
  app.post('/device', async (c) => {
    const session = await pageSession(c);
    if (!session) return loginRedirect(c);
    const form = await c.req.parseBody({ all: true });
    const code = field(form, 'code');
    try {
      const decision = field(form, 'decision');
      if (decision !== 'approve' && decision !== 'deny') throw new FlockError('bad_request', 'Choose Approve or Deny');
      const approve = decision === 'approve';
      const raw = form.scopes;
      const scopes: Scope[] = approve ? parseScopes((Array.isArray(raw) ? raw : [raw ?? '']).map(String).join(',')) : [];
      const { name } = await c.var.services.deviceCodes.decide(session.principal, code, approve ? { approve, scopes } : { approve: false });
      return c.html(<DevicePage username={session.principal.username} csrf={session.csrf} code="" done={{ approved: approve, name }} />);
    } catch (error) {
      return refused(c, session, code, error);
    }
  });
  return app;
}
