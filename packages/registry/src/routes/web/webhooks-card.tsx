import { raw } from 'hono/html';
import type { DeliveryDto, WebhookDto } from '../../services/webhooks.js';
import { EVENT_TYPES } from '../../services/webhooks.js';
import { COPY_SCRIPT, Csrf } from './account-page.js';

export type WebhookView = WebhookDto & { deliveries: DeliveryDto[] };

/** The signing secret of a webhook just added: shown on this one answer, never again. */
export function NewWebhookNotice({ url, secret }: { url: string; secret: string }) {
  return (
    <div class="notice" id="new-webhook">
      <strong>Webhook to {url} added — copy its signing secret now. It will not be shown again.</strong>
      <div class="secret">
        <code id="webhook-secret">{secret}</code>
        <button type="button" class="secondary small" data-copy="webhook-secret" id="copy-webhook-secret">Copy</button>
      </div>
      <p class="muted">Check each delivery's <code>Flock-Signature</code> with it: see docs/webhooks.md.</p>
      <script>{raw(COPY_SCRIPT)}</script>
    </div>
  );
}

function Deliveries({ org, deliveries, csrf }: { org: string; deliveries: DeliveryDto[]; csrf: string }) {
  if (deliveries.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <div class="scroll">
    <table class="deliveries">
      <tr><th>Event</th><th>Attempts</th><th>Status</th><th>Last answer</th><th><span class="sr-only">Actions</span></th></tr>
      {deliveries.map((d) => (
        <tr data-delivery={d.id}>
          <td><code>{d.event.type}</code> <span class="muted">#{d.event.id}</span></td>
          <td>{d.attempts}</td>
          <td>{d.status}</td>
          <td>{d.lastHttpStatus !== null ? `HTTP ${d.lastHttpStatus}` : (d.lastError ?? '')}</td>
          <td>
            <form class="inline" method="post" action={`/flock/${org}/webhooks/deliveries/${d.id}/redeliver`}>
              <Csrf value={csrf} /><button class="secondary small" type="submit">Redeliver</button>
            </form>
          </td>
        </tr>
      ))}
    </table>
    </div>
  );
}

/** The org's webhooks on its page, for owners: each with its recent deliveries, and the add form. */
export function WebhooksCard({ org, webhooks, csrf }: { org: string; webhooks: WebhookView[]; csrf: string }) {
  return (
    <div class="card" id="webhooks">
      <h2>Webhooks</h2>
      {webhooks.length === 0 ? <p class="muted">No webhooks. Tools can also read the same events from <code>/api/v1/orgs/{org}/events</code>.</p> : null}
      {webhooks.map((h) => (
        <div class="webhook" data-webhook={h.id}>
          <h3><code>{h.url}</code>{h.active ? null : <span class="badge">inactive</span>}</h3>
          <p class="muted">Events: {h.events === null ? 'all' : h.events.join(', ')}. Added {h.createdAt.slice(0, 10)}.</p>
          <Deliveries org={org} deliveries={h.deliveries} csrf={csrf} />
          <form method="post" action={`/flock/${org}/webhooks/${h.id}/remove`} class="spaced">
            <Csrf value={csrf} /><button type="submit" class="danger small">Remove webhook</button>
          </form>
        </div>
      ))}
      <h3>Add a webhook</h3>
      <form method="post" action={`/flock/${org}/webhooks`} id="add-webhook">
        <Csrf value={csrf} />
        <div class="row">
          <div><label for="webhook-url">URL (https)</label><input id="webhook-url" name="url" type="url" required maxlength={2048} placeholder="https://hooks.example.com/flock" /></div>
          <div><label for="webhook-events">Events (comma-separated; empty: all)</label><input id="webhook-events" name="events" type="text" placeholder={EVENT_TYPES.slice(0, 3).join(', ')} /></div>
        </div>
        <p class="muted">Event types: {EVENT_TYPES.join(', ')}. The registry makes the signing secret and shows it once.</p>
        <button type="submit">Add webhook</button>
      </form>
    </div>
  );
}
