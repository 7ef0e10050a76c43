import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { writtenAt } from './columns.js';

/**
 * Every HL7 message a connector answered, by its control id (MSH-10), with the answer it got: a
 * message sent again is the same message and gets the same answer, never a second order. Accepted
 * messages are applied to the orders in id order, right after they are acknowledged.
 */
export const hl7Inbound = sqliteTable(
  'hl7_inbound',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: text('connector_id').notNull(),
    controlId: text('control_id').notNull(),
    /** `ORM^O01 NW`. */
    label: text('label').notNull(),
    /** The placer order number (ORC-2) the message is about. */
    placerOrderId: text('placer_order_id'),
    /** What to do to the orders, as parsed: a create, correction or cancel; null when rejected. */
    commandJson: text('command_json'),
    /** The acknowledgement sent, as HL7 text in UTF-8. */
    ack: text('ack').notNull(),
    /** `accepted` (to apply), `applied`, `failed` (could not be applied; see error), `rejected`. */
    status: text('status', { enum: ['accepted', 'applied', 'failed', 'rejected'] }).notNull(),
    error: text('error'),
    orderId: text('order_id'),
    receivedAt: writtenAt('received_at'),
    appliedAt: text('applied_at'),
  },
  (t) => [
    uniqueIndex('hl7_inbound_control_id').on(t.connectorId, t.controlId),
    index('hl7_inbound_pending').on(t.connectorId, t.status, t.id),
    index('hl7_inbound_placer').on(t.connectorId, t.placerOrderId),
  ],
);

export type Hl7InboundRow = typeof hl7Inbound.$inferSelect;
