import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.js';

/**
 * PIMS connectors of a site: each speaks one PIMS dialect (HL7 v2, ezyVet, Provet Cloud) and turns it
 * into order commands, and the site's events back into that dialect. What a dialect keeps beyond
 * this lives in its own tables, in its own folder.
 */
export const connectors = sqliteTable(
  'connectors',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    /** `hl7`, `ezyvet`, `provet`. */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    /** The dialect's settings, validated by its own schema; nothing secret. */
    settingsJson: text('settings_json').notNull(),
    /** The dialect's secrets as one JSON object, sealed (encrypted); never shown again. */
    secretsSealed: text('secrets_sealed'),
    /** Events of the site up to this `events.id` have been turned into outbox messages. */
    cursor: integer('cursor').notNull(),
    /**
     * The plugin instance running this connector (its listener, its outbox) and until when, in
     * epoch milliseconds: with several instances on one database exactly one runs it at a time.
     */
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
    disabledAt: text('disabled_at'),
  },
  (t) => [index('connectors_site').on(t.siteId)],
);

/**
 * What a connector owes its PIMS: one row per message, sent in id order per `orderKey` (the order it
 * is about) and retried until the PIMS acknowledges it. The message is built once, when the event is
 * read, so a retry sends the very same message (the same HL7 control id) and the PIMS can tell a
 * repeat from a new message.
 */
export const connectorOutbox = sqliteTable(
  'connector_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: text('connector_id').notNull(),
    orderKey: text('order_key').notNull(),
    eventId: text('event_id').notNull(),
    /** What the message is, for the traffic view: `ORM^O01 SC CM`, `attachment`. */
    label: text('label').notNull(),
    payloadJson: text('payload_json').notNull(),
    /** `pending`, `delivered`, or `rejected` (the PIMS refused it for good; kept for a person). */
    status: text('status', { enum: ['pending', 'delivered', 'rejected'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Epoch milliseconds before which the next attempt must not start; null means now. */
    nextAttemptAt: integer('next_attempt_at'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    doneAt: text('done_at'),
  },
  (t) => [
    index('connector_outbox_pending').on(t.connectorId, t.status, t.id),
    index('connector_outbox_order').on(t.connectorId, t.orderKey, t.id),
  ],
);

/** The last messages each way and their outcomes, as the staff screens show a connector's traffic. */
export const connectorTraffic = sqliteTable(
  'connector_traffic',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectorId: text('connector_id').notNull(),
    /** `in` (from the PIMS) or `out` (to it). */
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    at: text('at').notNull(),
    /** `ORM^O01 NW`, `webhook diagnostic_imaging_worklist.created`, `POST /v2/attachment`. */
    label: text('label').notNull(),
    /** `ok`, `rejected` (answered with an error), `failed` (not delivered; will be retried). */
    outcome: text('outcome', { enum: ['ok', 'rejected', 'failed'] }).notNull(),
    detail: text('detail'),
    /** The message or request as sent, cut to a few kilobytes. */
    excerpt: text('excerpt'),
  },
  (t) => [index('connector_traffic_connector').on(t.connectorId, t.id)],
);
