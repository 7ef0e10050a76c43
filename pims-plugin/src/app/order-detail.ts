import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Db } from '../db/database.js';
import { events, orderTimeline, orders, webhookDeliveries, webhooks } from '../db/schema.js';
import { orderFacts, type OrderFacts } from './order-facts.js';

export interface OrderDetail {
  order: OrderFacts;
  row: typeof orders.$inferSelect;
  timeline: (typeof orderTimeline.$inferSelect)[];
  events: { id: number; eventId: string; type: string; occurredAt: string }[];
  deliveries: (typeof webhookDeliveries.$inferSelect & { url: string })[];
}

/** An order with its timeline, the events it caused and what became of their webhook deliveries. */
export async function loadOrderDetail(db: Db, siteId: string, orderId: string): Promise<OrderDetail> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.siteId, siteId)));
  if (!row) throw new LightboxError('not_found', 'order not found');
  const timeline = await db
    .select()
    .from(orderTimeline)
    .where(eq(orderTimeline.orderId, orderId))
    .orderBy(asc(orderTimeline.id));
  const eventRows = await db
    .select({ id: events.id, eventId: events.eventId, type: events.type, occurredAt: events.occurredAt })
    .from(events)
    .where(and(eq(events.siteId, siteId), sql`json_extract(${events.dataJson}, '$.orderId') = ${orderId}`))
    .orderBy(asc(events.id))
    .limit(200);
  const ids = eventRows.map((e) => e.eventId);
  const deliveries =
    ids.length === 0
      ? []
      : await db
          .select({ d: webhookDeliveries, url: webhooks.url })
          .from(webhookDeliveries)
          .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
          .where(and(eq(webhooks.siteId, siteId), inArray(webhookDeliveries.eventId, ids)))
          .orderBy(desc(webhookDeliveries.id))
          .limit(200);
  return {
    order: orderFacts(row),
    row,
    timeline,
    events: eventRows,
    deliveries: deliveries.map((r) => ({ ...r.d, url: r.url })),
  };
}
