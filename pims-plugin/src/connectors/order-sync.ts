import { isDeepStrictEqual } from 'node:util';
import { LightboxError } from '@lightbox/runtime';
import { type CreateOrderBody, type PatchOrderBody } from '../orders/order-dto.js';
import type { orders } from '../db/schema.js';
import { findOrderByPimsId } from '../orders/order-queries.js';
import type { ConnectorContext } from './connector-kind.js';

type OrderRow = typeof orders.$inferSelect;

export type SyncOutcome = 'created' | 'corrected' | 'unchanged' | 'cancelled';

/**
 * A PIMS that sends the whole order each time (ezyVet's request, Provet's worklist entry) rather
 * than a change: the order is created, corrected where it differs, or left alone when a repeat says
 * the same — so a replayed or retried request never makes a second order or a second change. One
 * transaction; the agents are woken after its commit.
 */
export async function syncOrder(
  ctx: Pick<ConnectorContext, 'database' | 'commands' | 'connector' | 'notifyAgents'>,
  body: CreateOrderBody,
): Promise<{ order: OrderRow; outcome: SyncOutcome }> {
  const siteId = ctx.connector.siteId;
  const result = await ctx.database.write(async (tx) => {
    const existing = await findOrderByPimsId(tx, siteId, body.pims, body.pimsOrderId);
    if (!existing) {
      const r = await ctx.commands.createWithin(tx, siteId, body);
      return { order: r.order, outcome: 'created' as const, wake: r.wake };
    }
    const patch = differences(JSON.parse(existing.requestJson) as CreateOrderBody, body);
    if (!patch) return { order: existing, outcome: 'unchanged' as const, wake: [] };
    if (existing.status !== 'scheduled') {
      throw new LightboxError(
        'conflict',
        `the order is ${existing.status.replace('_', ' ')}; it can be changed only before the modality starts it`,
      );
    }
    const r = await ctx.commands.correctWithin(tx, siteId, existing.id, patch);
    return { order: r.order, outcome: 'corrected' as const, wake: r.wake };
  });
  ctx.notifyAgents(result.wake);
  return { order: result.order, outcome: result.outcome };
}

/** Cancels the order the PIMS withdrew; unknown or already cancelled is not an error (a repeat). */
export async function withdrawOrder(
  ctx: Pick<ConnectorContext, 'database' | 'commands' | 'connector' | 'notifyAgents'>,
  pims: { system: string; siteId: string },
  pimsOrderId: string,
  reason: string,
): Promise<{ order: OrderRow | null; outcome: 'cancelled' | 'unchanged' }> {
  const siteId = ctx.connector.siteId;
  const result = await ctx.database.write(async (tx) => {
    const existing = await findOrderByPimsId(tx, siteId, pims, pimsOrderId);
    if (!existing) return { order: null, outcome: 'unchanged' as const, wake: [] };
    if (existing.status === 'cancelled') return { order: existing, outcome: 'unchanged' as const, wake: [] };
    const r = await ctx.commands.cancelWithin(tx, siteId, existing.id, reason);
    return { order: r.order, outcome: 'cancelled' as const, wake: r.wake };
  });
  ctx.notifyAgents(result.wake);
  return result;
}

/** The parts a correction can change that differ; null when the new request says the same. */
function differences(before: CreateOrderBody, after: CreateOrderBody): PatchOrderBody | null {
  const patch: PatchOrderBody = {};
  const pick = (key: 'procedure' | 'patient' | 'client' | 'priority' | 'reason' | 'requestingVet') => {
    if (!isDeepStrictEqual(stripUndefined(before[key]), stripUndefined(after[key]))) {
      (patch as Record<string, unknown>)[key] = after[key];
    }
  };
  pick('procedure');
  pick('patient');
  pick('client');
  pick('priority');
  pick('reason');
  pick('requestingVet');
  // The schedule is "now" when the PIMS gives none: only a schedule the PIMS gave is compared.
  if (
    after.scheduled &&
    !isDeepStrictEqual(stripUndefined(before.scheduled), stripUndefined(after.scheduled))
  ) {
    patch.scheduled = after.scheduled;
  }
  return Object.keys(patch).length === 0 ? null : patch;
}

function stripUndefined(v: unknown): unknown {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown);
}
