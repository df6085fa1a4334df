import { randomUUID } from 'node:crypto';
import { open } from '../auth/secret-box.js';
import type { Db } from '../db/connect.js';
import type { Clock } from './clock.js';
import { sendWebhook, signatureHeader, type SendInput, type SendResult } from './webhook-send.js';

/**
 * Delays before each retry, as multiples of the base (FLOCK_WEBHOOK_RETRY_BASE_MS, 10 s):
 * 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h — about 24 h in all, then failed.
 */
export const RETRY_STEPS = [1, 3, 12, 60, 180, 360, 720, 1440, 2880, 2880];
export const SEND_TIMEOUT_MS = 10_000;
/**
 * How long a claim holds: longer than any attempt (the timeout plus the DNS look-up). A worker
 * killed mid-send leaves its claim to run out; another then sends again (at least once).
 */
const CLAIM_MS = 60_000;
/** Deliveries one worker sends at once. */
const BATCH = 8;

export interface WebhookWorkerDeps {
  db: Db;
  clock: Clock;
  secretKey: Buffer;
  retryBaseMs: number;
  pollMs: number;
  allowPrivate: boolean;
  /** Told of each attempt that did not deliver (the server logs it). */
  onFailedAttempt?: (attempt: { deliveryId: string; url: string; attempt: number; status: number | null; error: string | null; final: boolean }) => void;
  /** Tests: how a delivery is sent. */
  send?: (input: SendInput) => Promise<SendResult>;
}

/** When the delivery that just had its `attempt`-th attempt fails goes next, or null: no more. */
export function nextAttemptAt(now: Date, attempt: number, retryBaseMs: number): Date | null {
  const step = RETRY_STEPS[attempt - 1];
  return step === undefined ? null : new Date(now.getTime() + step * retryBaseMs);
}

/**
 * The delivery worker inside each `serve`: replicas share the outbox (webhook_deliveries)
 * and each claims due rows with one conditional UPDATE, so a row is sent by one worker at a time.
 */
export function createWebhookWorker(deps: WebhookWorkerDeps) {
  const { db, clock, secretKey, retryBaseMs, pollMs, allowPrivate } = deps;
  const send = deps.send ?? sendWebhook;
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let running: Promise<void> | null = null;

  /** Takes a due delivery unless another worker has it; the claim's end, or null. */
  async function claim(id: string, now: string): Promise<string | null> {
    const until = new Date(clock().getTime() + CLAIM_MS).toISOString();
    const result = await db
      .updateTable('webhook_deliveries')
      .set({ claimed_until: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? until : null;
  }

  async function deliver(id: string, claimedUntil: string): Promise<void> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
      .innerJoin('org_events', 'org_events.id', 'webhook_deliveries.event_id')
      .select(['webhook_deliveries.attempts', 'webhooks.id as webhook_id', 'webhooks.url', 'webhooks.secret_sealed', 'org_events.type', 'org_events.body'])
      .where('webhook_deliveries.id', '=', id)
      .executeTakeFirst();
    if (!row) return; // the webhook was removed meanwhile
    const secret = open(secretKey, row.secret_sealed, row.webhook_id);
    const started = clock();
    const unix = Math.floor(started.getTime() / 1000);
    const result = await send({
      url: row.url, body: row.body, timeoutMs: SEND_TIMEOUT_MS, allowPrivate,
      headers: { 'flock-event': row.type, 'flock-delivery': id, 'flock-signature': signatureHeader(secret, row.body, unix) },
    });
    const ended = clock();
    const attempt = Number(row.attempts) + 1;
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const next = delivered ? null : nextAttemptAt(ended, attempt, retryBaseMs);
    const outcome = delivered ? 'delivered' : next === null ? 'failed' : 'retry';
    const error = result.error ?? (delivered ? null : `HTTP ${result.status}`);
    const at = ended.toISOString();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('webhook_attempts').values({
        id: randomUUID(), delivery_id: id, attempt, at: started.toISOString(), outcome, http_status: result.status, error,
        duration_ms: Math.max(0, ended.getTime() - started.getTime()),
      }).execute();
      // Only while the claim is still ours: had it run out and another worker taken the row, its outcome stands.
      await trx.updateTable('webhook_deliveries')
        .set({
          status: outcome === 'retry' ? 'pending' : outcome, attempts: attempt, claimed_until: null, last_http_status: result.status, last_error: error,
          next_attempt_at: next?.toISOString() ?? at, done_at: outcome === 'retry' ? null : at,
        })
        .where('id', '=', id)
        .where('claimed_until', '=', claimedUntil)
        .execute();
    });
    if (!delivered) deps.onFailedAttempt?.({ deliveryId: id, url: row.url, attempt, status: result.status, error, final: next === null });
  }

  /** Sends what is due now, a batch at a time; resolves with how many were claimed. */
  async function runOnce(): Promise<number> {
    const now = clock().toISOString();
    const due = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(BATCH)
      .execute();
    let claimed = 0;
    await Promise.all(due.map(async ({ id }) => {
      const until = await claim(id, now);
      if (until === null) return;
      claimed++;
      await deliver(id, until);
    }));
    return claimed;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = (async () => {
        let again = false;
        try {
          // A full batch: more may be due, so look again at once.
          again = (await runOnce()) === BATCH;
        } catch {
          // The database is away: the next look tries again; claims not finished run out.
        }
        running = null;
        schedule(again ? 0 : pollMs);
      })();
    }, delay);
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    /** Stops looking; an attempt under way finishes (within the send timeout) and is recorded. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>;
