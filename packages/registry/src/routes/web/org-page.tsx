import type { MemberDto } from '@flock/core';
import type { AuditEventRow } from '../../db/schema.js';
import type { OrgStoreStatus } from '../../services/org-stores.js';
import { formatBytes, type OrgUsage, type Quotas } from '../../services/quotas.js';
import { Csrf, EventList } from './account-page.js';
import { Layout } from './layout.js';
import { OrgStoreCard } from './org-store-card.js';
import { OrgPublishingCard, type OrgPublishingView } from './trust-card.js';
import { NewWebhookNotice, WebhooksCard, type WebhookView } from './webhooks-card.js';

export interface OrgPageProps {
  org: { name: string; kind: string };
  user: string | null;
  csrf: string | null;
  /** The viewer's role, or null for a non-member. */
  role: 'owner' | 'member' | null;
  packages: Array<{ name: string; description: string | null; visibility: string; latest: string | null }>;
  members: MemberDto[];
  events: AuditEventRow[];
  /** The org's Catalog Store, for members; null for anyone else. */
  store: OrgStoreStatus | null;
  /** Trusted publishing, for owners signed in with a session; null for anyone else. */
  publishing?: OrgPublishingView | null;
  /** Webhooks with their recent deliveries, for owners signed in with a session; null for anyone else. */
  webhooks?: WebhookView[] | null;
  /** The webhook just added, with its secret: shown on that one answer. */
  newWebhook?: { url: string; secret: string } | null;
  /** Usage against the operator's quotas, for owners; null for anyone else. */
  quota?: { quotas: Quotas; usage: OrgUsage } | null;
  error?: string | null;
}

/** One line per quota: what is used, of how much (set by the operator with `flock-registry org quota`). */
function QuotaCard({ quota }: { quota: { quotas: Quotas; usage: OrgUsage } }) {
  const of = (limit: number | null, show: (n: number) => string = String) => (limit === null ? 'no limit' : show(limit));
  return (
    <div class="card" id="quota">
      <h2>Usage</h2>
      <ul class="flush-bottom">
        <li>Storage: {formatBytes(quota.usage.bytes)} of {of(quota.quotas.maxBytes, formatBytes)}</li>
        <li>Versions in the last 24 hours: {quota.usage.versionsLastDay} of {of(quota.quotas.maxVersionsPerDay)}</li>
        <li>Packages: {quota.usage.packages} of {of(quota.quotas.maxPackages)}</li>
      </ul>
    </div>
  );
}

function MemberTable({ props }: { props: OrgPageProps }) {
  const owner = props.role === 'owner';
  const csrf = props.csrf ?? '';
  const lastOwner = props.members.filter((m) => m.role === 'owner').length === 1;
  return (
    <div class="scroll">
    <table id="members">
      <tr><th>Member</th><th>Role</th><th>Since</th>{owner ? <th><span class="sr-only">Actions</span></th> : null}</tr>
      {props.members.map((m) => (
        <tr data-member={m.username}>
          <td><strong>{m.username}</strong>{m.username === props.user ? <span class="muted"> (you)</span> : null}</td>
          <td>{m.role}</td>
          <td>{m.since.slice(0, 10)}</td>
          {owner && lastOwner && m.role === 'owner' ? <td class="muted">the last owner</td> : owner ? (
            <td class="nowrap">
              <form class="inline" method="post" action={`/flock/${props.org.name}/members/${m.username}/role`}>
                <Csrf value={csrf} />
                <input type="hidden" name="role" value={m.role === 'owner' ? 'member' : 'owner'} />
                <button class="secondary small" type="submit">{m.role === 'owner' ? 'Make member' : 'Make owner'}</button>
              </form>{' '}
              <form class="inline" method="post" action={`/flock/${props.org.name}/members/${m.username}/remove`}>
                <Csrf value={csrf} /><button class="danger small" type="submit">Remove</button>
              </form>
            </td>
          ) : null}
        </tr>
      ))}
    </table>
    </div>
  );
}

function Membership({ props }: { props: OrgPageProps }) {
  const csrf = props.csrf ?? '';
  return (
    <div class="card">
      <h2>Members</h2>
      <MemberTable props={props} />
      {props.role === 'owner' ? (
        <form method="post" action={`/flock/${props.org.name}/members`} class="row spaced" id="add-member">
          <Csrf value={csrf} />
          <div><label for="member-username">Username</label><input type="text" id="member-username" name="username" required /></div>
          <div><label for="member-role">Role</label><select id="member-role" name="role"><option value="member">member</option><option value="owner">owner</option></select></div>
          <button type="submit">Add member</button>
        </form>
      ) : null}
      {props.role === 'owner' && props.members.filter((m) => m.role === 'owner').length === 1 ? (
        <p class="muted spaced">You are the last owner: make someone else an owner before you can leave.</p>
      ) : (
        <form method="post" action={`/flock/${props.org.name}/leave`} class="spaced">
          <Csrf value={csrf} /><button class="danger" type="submit" id="leave">Leave {props.org.name}</button>
        </form>
      )}
    </div>
  );
}

export function OrgPage(props: OrgPageProps) {
  return (
    <Layout title={`${props.org.name} — Flock`} user={props.user}>
      <div class="card">
        <h1>{props.org.name}<span class="badge">{props.org.kind === 'personal' ? 'personal organization' : 'organization'}</span>{props.role ? <span class="badge" id="role">you: {props.role}</span> : null}</h1>
        <p class="lead flush-bottom">Publish here with <code>org = "{props.org.name}"</code> in <code>[package]</code>.</p>
      </div>
      {props.error ? <p class="notice error" id="error">{props.error}</p> : null}
      {props.newWebhook ? <NewWebhookNotice url={props.newWebhook.url} secret={props.newWebhook.secret} /> : null}
      <div class="card">
        <h2>Packages</h2>
        {props.packages.length === 0 ? <p class="muted" id="no-packages">No packages yet.</p> : (
          <ul class="versions" id="packages">
            {props.packages.map((p) => (
              <li>
                <span><a href={`/flock/${props.org.name}/${p.name}`}>{props.org.name}/{p.name}</a>{p.visibility === 'private' ? <span class="badge private">private</span> : null} <span class="muted">{p.description ?? ''}</span></span>
                <span>{p.latest ?? ''}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {props.role ? <Membership props={props} /> : null}
      {props.role && props.store ? <OrgStoreCard org={props.org.name} store={props.store} owner={props.role === 'owner'} csrf={props.csrf ?? ''} /> : null}
      {props.role === 'owner' && props.publishing ? <OrgPublishingCard org={props.org.name} view={props.publishing} /> : null}
      {props.role === 'owner' && props.quota ? <QuotaCard quota={props.quota} /> : null}
      {props.role === 'owner' && props.webhooks ? <WebhooksCard org={props.org.name} webhooks={props.webhooks} csrf={props.csrf ?? ''} /> : null}
      {props.role === 'owner' ? (<div class="card"><h2>Activity</h2><EventList events={props.events} /></div>) : null}
    </Layout>
  );
}
