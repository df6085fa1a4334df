import { raw } from 'hono/html';
import type { NewTokenDto, TokenDto } from '@flock/core';
import { SCOPES, type Scope } from '../../auth/principal.js';
import type { AuditEventRow } from '../../db/schema.js';
import { actionLabel } from './audit-labels.js';
import { Layout } from './layout.js';

export interface AccountPageProps {
  username: string;
  csrf: string;
  orgs: Array<{ name: string; role: string }>;
  tokens: TokenDto[];
  events: AuditEventRow[];
  /** Browsers signed in to this account, this one included. */
  sessions: number;
  /** A token just created or rotated: shown in this response only, never again. */
  created?: NewTokenDto | null;
  error?: string | null;
}

const day = (iso: string | null) => (iso ? <time datetime={iso}>{iso.slice(0, 10)}</time> : <span class="muted">never</span>);

export function Csrf({ value }: { value: string }) {
  return <input type="hidden" name="_csrf" value={value} />;
}

/** The Copy button's script, the pages' only one: the Content-Security-Policy allows it by its hash (see security-headers.ts). */
export const COPY_SCRIPT = `document.querySelectorAll('[data-copy]').forEach(function (b) { b.addEventListener('click', function () {
  var t = document.getElementById(b.getAttribute('data-copy')).textContent; navigator.clipboard.writeText(t).then(function () { b.textContent = 'Copied'; }); }); });`;

function NewTokenNotice({ created }: { created: NewTokenDto }) {
  return (
    <div class="notice" id="new-token">
      <strong>Token “{created.info.name}” — copy it now. It will not be shown again.</strong>
      <div class="secret">
        <code id="token-value">{created.token}</code>
        <button type="button" class="secondary small" data-copy="token-value" id="copy-token">Copy</button>
      </div>
      <p class="muted">Save it with <code>echo "flock_…" &gt; ~/.kestrel/credentials</code> or set <code>FLOCK_TOKEN</code>.</p>
      <script>{raw(COPY_SCRIPT)}</script>
    </div>
  );
}

function TokenTable({ tokens, csrf }: { tokens: TokenDto[]; csrf: string }) {
  if (tokens.length === 0) return <p class="muted">No tokens yet.</p>;
  return (
    <div class="scroll">
    <table id="tokens">
      <tr><th>Name</th><th>Scopes</th><th>Orgs</th><th>Created</th><th>Last used</th><th>Expires</th><th><span class="sr-only">Actions</span></th></tr>
      {tokens.map((t) => (
        <tr data-token-id={t.id} data-token-name={t.name}>
          <td><strong>{t.name}</strong></td>
          <td>{t.scopes.join(', ')}</td>
          <td>{t.orgs === null ? <span class="muted">all</span> : t.orgs.join(', ')}</td>
          <td>{day(t.createdAt)}</td>
          <td>{day(t.lastUsedAt)}</td>
          <td>{t.expiresAt === null ? <span class="muted">never</span> : t.expired ? <span class="badge yanked">expired</span> : day(t.expiresAt)}</td>
          <td class="nowrap">
            <form class="inline" method="post" action={`/account/tokens/${t.id}/rotate`}><Csrf value={csrf} /><button class="secondary small" type="submit">Rotate</button></form>{' '}
            <form class="inline" method="post" action={`/account/tokens/${t.id}/revoke`}><Csrf value={csrf} /><button class="danger small" type="submit">Revoke</button></form>
          </td>
        </tr>
      ))}
    </table>
    </div>
  );
}

/** The new-token form starts with the least a token can do; publishing or managing is a deliberate tick. */
const FORM_SCOPES: readonly Scope[] = ['read'];

function NewTokenForm({ orgs, csrf }: { orgs: AccountPageProps['orgs']; csrf: string }) {
  return (
    <form method="post" action="/account/tokens" id="new-token-form">
      <Csrf value={csrf} />
      <div class="row">
        <div><label for="token-name">Name</label><input type="text" id="token-name" name="name" placeholder="laptop, CI…" required /></div>
        <div><label for="token-expires">Expires (optional)</label><input type="date" id="token-expires" name="expiresAt" /></div>
      </div>
      <label>Scopes (manage: your tokens, organizations, members and stores)</label>
      <div class="checks">
        {SCOPES.map((s) => (<label><input type="checkbox" name="scopes" value={s} checked={FORM_SCOPES.includes(s)} />{s}</label>))}
      </div>
      <label>Only for these organizations (none ticked: all of yours)</label>
      <div class="checks">{orgs.map((o) => (<label><input type="checkbox" name="orgs" value={o.name} />{o.name}</label>))}</div>
      <p><button type="submit" id="new-token-button">New token</button></p>
    </form>
  );
}

export function EventList({ events }: { events: AuditEventRow[] }) {
  if (events.length === 0) return <p class="muted">Nothing yet.</p>;
  return (
    <div class="scroll" tabindex={0} role="region" aria-label="Activity">
    <table class="events">
      <tr><th>When</th><th>Who</th><th>What</th><th>Token</th></tr>
      {events.map((e) => (
        <tr>
          <td><time datetime={e.at}>{e.at.slice(0, 16).replace('T', ' ')}</time></td>
          <td>{e.actor_name ?? ''}</td>
          <td data-action={e.action}>{actionLabel(e.action)}{e.subject ? <>: <span class="subject">{e.subject}</span></> : null}</td>
          <td>{e.token_name ?? <span class="muted">browser</span>}</td>
        </tr>
      ))}
    </table>
    </div>
  );
}

export function AccountPage(props: AccountPageProps) {
  return (
    <Layout title="Your account — Flock" user={props.username}>
      <div class="card">
        <div class="row spread">
          <div>
            <h1>{props.username}</h1>
            <p class="lead flush-bottom">Your organizations: {props.orgs.map((o, i) => (<>{i > 0 ? ', ' : ''}<a href={`/flock/${o.name}`} class="org-link">{o.name}</a> <span class="muted">({o.role})</span></>))}</p>
          </div>
          <form method="post" action="/logout"><Csrf value={props.csrf} /><button class="secondary" type="submit" id="sign-out">Sign out</button></form>
        </div>
      </div>
      {props.error ? <p class="notice error" id="error">{props.error}</p> : null}
      {props.created ? <NewTokenNotice created={props.created} /> : null}
      <div class="card">
        <h2>Tokens</h2>
        <TokenTable tokens={props.tokens} csrf={props.csrf} />
        <h3>New token</h3>
        <NewTokenForm orgs={props.orgs} csrf={props.csrf} />
      </div>
      <div class="card">
        <h2>New organization</h2>
        <form method="post" action="/account/orgs" class="row">
          <Csrf value={props.csrf} />
          <div><label for="org-name">Name</label><input type="text" id="org-name" name="name" placeholder="my-team" required /></div>
          <button type="submit" id="create-org">Create organization</button>
        </form>
      </div>
      <div class="card">
        <h2>Sessions</h2>
        <div class="row spread">
          <p class="flush" id="session-count">
            {props.sessions === 1 ? 'You are signed in on this browser only.' : `You are signed in on ${props.sessions} browsers, this one included.`}
          </p>
          {props.sessions > 1 ? (
            <form method="post" action="/account/sessions/others"><Csrf value={props.csrf} /><button class="secondary" type="submit" id="sign-out-others">Sign out everywhere else</button></form>
          ) : null}
        </div>
      </div>
      <div class="card">
        <h2>Your activity</h2>
        <EventList events={props.events} />
      </div>
    </Layout>
  );
}
