import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, max, sql } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Database, Db } from '../db/database.js';
import { events, webhookDeliveries, webhooks } from '../db/schema.js';
import type { EventRow } from '../events/event-envelope.js';
import { pluginMetrics } from '../metrics/plugin-metrics.js';
import type { SecretBox } from '../security/secret-box.js';
import { claimRowLease, releaseRowLeases } from './row-lease.js';
import { newestFirst } from './newest-first.js';
import { rowOfSite, rowsOfSite } from '../db/row-of-site.js';

export type WebhookRow = typeof webhooks.$inferSelect;

/** How many delivery attempts each subscription's log keeps; older ones are pruned. */
export const DELIVERY_LOG_KEEP = 1000;

const notFound = () => new LightboxError('not_found', 'webhook not found');

/** A subscription as the API shows it; the secret never leaves the database again. */
export function webhookView(row: WebhookRow, headEvent: EventRow | undefined) {
  return {
    webhookId: row.id,
    url: row.url,
    types: row.typesJson === null ? null : (JSON.parse(row.typesJson) as string[]),
    status: row.status,
    createdAt: row.createdAt,
    delivery: {
      pendingEventId: headEvent?.eventId ?? null,
      failedAttempts: row.attempts,
      nextAttemptAt: row.nextAttemptAt === null ? null : new Date(row.nextAttemptAt).toISOString(),
      lastError: row.lastError,
      failedAt: row.failedAt,
    },
  };
}

/** Binds a sealed secret to its subscription: one row's cannot be copied into another's. */
const secretContext = (webhookId: string) => `webhook:${webhookId}`;

/** The secret deliveries of this subscription are signed with. */
export function webhookSecret(row: WebhookRow, secrets: SecretBox): string {
  return secrets.unseal(row.secret, secretContext(row.id));
}

/**
 * Seals secrets stored before they were kept sealed (in the clear, as given). Run at every start;
 * a sealed secret is recognised by its prefix and left alone.
 */
export async function sealStoredWebhookSecrets(database: Database, secrets: SecretBox): Promise<number> {
  return database.write(async (tx) => {
    const rows = await tx.select({ id: webhooks.id, secret: webhooks.secret }).from(webhooks);
    let sealed = 0;
    for (const row of rows) {
      if (secrets.isSealed(row.secret)) continue;
      await tx
        .update(webhooks)
        .set({ secret: secrets.seal(row.secret, secretContext(row.id)) })
        .where(eq(webhooks.id, row.id));
      sealed++;
    }
    return sealed;
  });
}

export async function createWebhook(
  database: Database,
  secrets: SecretBox,
  siteId: string,
  input: { url: string; secret: string; types?: string[] | undefined },
): Promise<WebhookRow> {
  return database.write(async (tx) => {
    // A new subscription hears of what happens from now on; what came before is in the feed.
    const [last] = await tx.select({ id: max(events.id) }).from(events);
    const id = `whk_${randomUUID()}`;
    const [row] = await tx
      .insert(webhooks)
      .values({
        id,
        siteId,
        url: input.url,
        secret: secrets.seal(input.secret, secretContext(id)),
        typesJson: input.types ? JSON.stringify([...new Set(input.types)]) : null,
        cursor: last?.id ?? 0,
      })
      .returning();
    return row!;
  });
}

export async function getWebhook(db: Db, siteId: string, id: string): Promise<WebhookRow> {
  const row = await rowOfSite(db, webhooks, siteId, id);
  if (!row) throw notFound();
  return row;
}

export function listWebhooks(db: Db, siteId: string): Promise<WebhookRow[]> {
  return rowsOfSite(db, webhooks, siteId);
}

export async function deleteWebhook(database: Database, siteId: string, id: string): Promise<void> {
  await database.write(async (tx) => {
    const gone = await tx
      .delete(webhooks)
      .where(and(eq(webhooks.id, id), eq(webhooks.siteId, siteId)))
      .returning({ id: webhooks.id });
    if (gone.length === 0) throw notFound();
    await tx.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
  });
}

/**
 * Restarts a failed subscription at the event it gave up on: nothing was skipped, so the PIMS gets
 * every event from there on, in order, with a fresh retry period.
 */
export async function resumeWebhook(
  database: Database,
  siteId: string,
  id: string,
  actor: Actor,
): Promise<WebhookRow> {
  return database.write(async (tx) => {
    const [row] = await tx
      .update(webhooks)
      .set({ status: 'active', attempts: 0, firstAttemptAt: null, nextAttemptAt: null, failedAt: null })
      .where(and(eq(webhooks.id, id), eq(webhooks.siteId, siteId)))
      .returning();
    if (!row) throw notFound();
    // In the resume's own transaction: the entry exists exactly when the resume does.
    await recordAudit(tx, { siteId, actor, action: 'webhook.resumed', subject: { type: 'webhook', id } });
    return row;
  });
}

/**
 * Takes or renews the right to deliver a subscription until `until`; false while another instance
 * holds an unexpired lease.
 */
export function claimLease(
  database: Database,
  webhookId: string,
  owner: string,
  now: number,
  until: number,
): Promise<boolean> {
  return claimRowLease(database, webhooks, { id: webhookId, owner, now, until });
}

/** On a clean stop: another instance may take these subscriptions over at once. */
export function releaseLeases(database: Database, owner: string): Promise<void> {
  return releaseRowLeases(database, webhooks, owner);
}

export async function activeWebhookIds(db: Db): Promise<string[]> {
  const rows = await db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.status, 'active'));
  return rows.map((r) => r.id);
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

/** The first event after the subscription's cursor of a type it asked for. */
export async function headEvent(db: Db, row: WebhookRow): Promise<EventRow | undefined> {
  const types = row.typesJson === null ? null : (JSON.parse(row.typesJson) as string[]);
  const [event] = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.siteId, row.siteId),
        gt(events.id, row.cursor),
        ...(types ? [inArray(events.type, types)] : []),
      ),
    )
    .orderBy(asc(events.id))
    .limit(1);
  return event;
}

export interface AttemptRecord {
  event: EventRow;
  attempt: number;
  at: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export type AttemptOutcome =
  | { outcome: 'delivered' }
  | { outcome: 'retrying'; firstAttemptAt: number; nextAttemptAt: number }
  | { outcome: 'gave_up'; failedAt: number };

/**
 * Records one attempt and moves the subscription on, in one transaction, renewing the lease.
 * Returns false when the subscription was deleted, resumed or taken over meanwhile (then the
 * attempt is not logged).
 */
export async function recordAttempt(
  database: Database,
  webhookId: string,
  lease: { owner: string; expectedCursor: number; renewUntil: number },
  a: AttemptRecord,
  o: AttemptOutcome,
): Promise<boolean> {
  pluginMetrics.webhookAttempt(o.outcome);
  return database.write(async (tx) => {
    const state =
      o.outcome === 'delivered'
        ? { cursor: a.event.id, attempts: 0, firstAttemptAt: null, nextAttemptAt: null, lastError: null }
        : o.outcome === 'retrying'
          ? {
              attempts: a.attempt,
              firstAttemptAt: o.firstAttemptAt,
              nextAttemptAt: o.nextAttemptAt,
              lastError: describe(a),
            }
          : {
              attempts: a.attempt,
              status: 'failed' as const,
              nextAttemptAt: null,
              lastError: describe(a),
              failedAt: new Date(o.failedAt).toISOString(),
            };
    // Only the lease holder moves the subscription on: an instance that lost its lease (paused past
    // its end) cannot overwrite what the new holder did.
    const moved = await tx
      .update(webhooks)
      .set({ ...state, leaseUntil: lease.renewUntil })
      .where(
        and(
          eq(webhooks.id, webhookId),
          eq(webhooks.cursor, lease.expectedCursor),
          eq(webhooks.status, 'active'),
          eq(webhooks.leaseOwner, lease.owner),
        ),
      )
      .returning({ id: webhooks.id });
    if (moved.length === 0) return false;
    await tx.insert(webhookDeliveries).values({
      webhookId,
      eventSeq: a.event.id,
      eventId: a.event.eventId,
      eventType: a.event.type,
      attempt: a.attempt,
      at: new Date(a.at).toISOString(),
      durationMs: Math.round(a.durationMs),
      statusCode: a.statusCode,
      error: a.error,
      outcome: o.outcome,
    });
    await tx.run(sql`DELETE FROM ${webhookDeliveries} WHERE ${webhookDeliveries.webhookId} = ${webhookId}
      AND ${webhookDeliveries.id} < (SELECT ${webhookDeliveries.id} FROM ${webhookDeliveries}
        WHERE ${webhookDeliveries.webhookId} = ${webhookId}
        ORDER BY ${webhookDeliveries.id} DESC LIMIT 1 OFFSET ${DELIVERY_LOG_KEEP - 1})`);
    return true;
  });
}

function describe(a: AttemptRecord): string {
  return a.error ?? `HTTP ${a.statusCode ?? '?'}`;
}

/** The delivery log, newest first; `cursor` continues from the previous page. */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  q: { limit: number; cursor?: number | undefined },
) {
  const { page, more } = await newestFirst(
    db,
    webhookDeliveries,
    { limit: q.limit, before: q.cursor },
    eq(webhookDeliveries.webhookId, webhookId),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      eventId: r.eventId,
      eventType: r.eventType,
      attempt: r.attempt,
      at: r.at,
      durationMs: r.durationMs,
      statusCode: r.statusCode,
      error: r.error,
      outcome: r.outcome,
    })),
    next: more && last ? String(last.id) : null,
  };
}
