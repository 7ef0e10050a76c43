import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.js';

/** The order's statuses (the order state machine's) and an MPPS's, as the columns hold them. */
export const ORDER_STATUSES = ['scheduled', 'in_progress', 'completed', 'discontinued', 'cancelled'] as const;
export const PERFORMED_STEP_STATUSES = ['IN PROGRESS', 'COMPLETED', 'DISCONTINUED'] as const;

export const sites = sqliteTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** The PIMS origins that may frame this site's chart panel; null: LIGHTBOX_PIMS_ORIGINS. */
  pimsOriginsJson: text('pims_origins_json'),
  createdAt: createdAt(),
});

/** PIMS API keys; only a SHA-256 of each key is kept, and its first characters to recognise it by. */
export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  siteId: text('site_id')
    .notNull()
    .references(() => sites.id),
  keyHash: text('key_hash').notNull().unique(),
  label: text('label').notNull(),
  /** `env`: LIGHTBOX_API_KEY (replaced when it changes); `generated`: the first start's; `api`: POST /v1/api-keys. */
  source: text('source', { enum: ['env', 'generated', 'api'] })
    .notNull()
    .default('api'),
  /** The key's first characters; null for keys stored before it was kept. */
  prefix: text('prefix'),
  /** When a request last used it, to the minute. */
  lastUsedAt: text('last_used_at'),
  /** Set once revoked: the key authenticates nothing from then on. */
  revokedAt: text('revoked_at'),
  createdAt: createdAt(),
});

export const agents = sqliteTable(
  'agents',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /**
     * A rotated token not yet used: both authenticate until the agent links with this one, which
     * then replaces the old.
     */
    nextTokenHash: text('next_token_hash').unique(),
    /** Set when the agent was removed: no token of it authenticates, and it is no longer listed. */
    removedAt: text('removed_at'),
    stationsJson: text('stations_json').notNull().default('[]'),
    agentVersion: text('agent_version'),
    connected: integer('connected', { mode: 'boolean' }).notNull().default(false),
    lastSeenAt: text('last_seen_at'),
    /** The agent's own outbox depth, as its heartbeats last reported it. */
    agentOutboxDepth: integer('agent_outbox_depth').notNull().default(0),
    /** The agent's last status report (queues, spool, disk, worklist queries, echo targets), JSON. */
    statusJson: text('status_json'),
    /** Free spool disk over time, `[[epochMs, freeBytes], …]`: the forecast's recent rate. */
    diskSamplesJson: text('disk_samples_json').notNull().default('[]'),
    createdAt: createdAt(),
  },
  (t) => [index('agents_site').on(t.siteId)],
);

/**
 * C-ECHOs asked of an agent from the agents page, and what it answered. `ok` stays null until the
 * answer arrives; one that never does (the agent restarted meanwhile) shows as unanswered.
 */
export const agentEchoes = sqliteTable(
  'agent_echoes',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    agentId: text('agent_id').notNull(),
    targetId: text('target_id').notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    requestedAt: text('requested_at').notNull(),
    answeredAt: text('answered_at'),
    ok: integer('ok', { mode: 'boolean' }),
    ms: integer('ms'),
    error: text('error'),
    /** The peer as the agent named it in its answer: AE title, host, port. */
    targetJson: text('target_json'),
  },
  (t) => [index('agent_echoes_agent').on(t.agentId, t.requestedAt)],
);

/** Both directions of one agent's link: what we sent and had acknowledged, what we applied. */
export const agentLinkState = sqliteTable('agent_link_state', {
  agentId: text('agent_id')
    .primaryKey()
    .references(() => agents.id),
  lastOutSeq: integer('last_out_seq').notNull().default(0),
  ackedOutSeq: integer('acked_out_seq').notNull().default(0),
  lastInSeq: integer('last_in_seq').notNull().default(0),
});

/** Plugin→agent messages not yet acknowledged by the agent. */
export const agentOutbox = sqliteTable(
  'agent_outbox',
  {
    agentId: text('agent_id').notNull(),
    seq: integer('seq').notNull(),
    bodyJson: text('body_json').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.seq] })],
);

/** Agent→plugin messages that could not be applied: kept, never lost, never blocking the link. */
export const agentDeadLetters = sqliteTable(
  'agent_dead_letters',
  {
    agentId: text('agent_id').notNull(),
    seq: integer('seq').notNull(),
    bodyJson: text('body_json').notNull(),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.seq] })],
);

/** Replies to link checks, one row per delivery, so a repeated delivery would show as two rows. */
export const probeReplies = sqliteTable(
  'probe_replies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    agentId: text('agent_id').notNull(),
    probeId: text('probe_id').notNull(),
    n: integer('n').notNull(),
    appliedCount: integer('applied_count').notNull(),
    inSeq: integer('in_seq').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('probe_replies_probe').on(t.agentId, t.probeId)],
);

/** Imaging orders from invoice lines. PIMS ids are scoped by (system, siteId) within a Lightbox site. */
export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    pimsSystem: text('pims_system').notNull(),
    pimsSiteId: text('pims_site_id').notNull(),
    pimsOrderId: text('pims_order_id').notNull(),
    pimsPatientId: text('pims_patient_id').notNull(),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    accessionNumber: text('accession_number').notNull(),
    requestedProcedureId: text('requested_procedure_id').notNull(),
    scheduledProcedureStepId: text('scheduled_procedure_step_id').notNull(),
    studyInstanceUid: text('study_instance_uid').notNull(),
    modality: text('modality').notNull(),
    stationAeTitle: text('station_ae_title'),
    /** The order as the PIMS sent it, with corrections applied. */
    requestJson: text('request_json').notNull(),
    /** The worklist attributes mapped from it, served unchanged by every agent. */
    attributesJson: text('attributes_json').notNull(),
    revision: integer('revision').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('orders_pims_order').on(t.siteId, t.pimsSystem, t.pimsSiteId, t.pimsOrderId),
    uniqueIndex('orders_accession').on(t.siteId, t.accessionNumber),
    uniqueIndex('orders_study_uid').on(t.siteId, t.studyInstanceUid),
    index('orders_patient').on(t.siteId, t.pimsPatientId),
    index('orders_updated').on(t.siteId, t.updatedAt, t.id),
  ],
);

/** Every change of an order, with when and why: what GET /v1/orders/{id} shows as its timeline. */
export const orderTimeline = sqliteTable(
  'order_timeline',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id').notNull(),
    at: text('at').notNull(),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    change: text('change').notNull(),
    reason: text('reason'),
  },
  (t) => [index('order_timeline_order').on(t.orderId)],
);

/** Which agents hold an order in their worklist, so corrections and cancels reach exactly them. */
export const orderAgents = sqliteTable(
  'order_agents',
  {
    orderId: text('order_id').notNull(),
    agentId: text('agent_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.agentId] }), index('order_agents_agent').on(t.agentId)],
);

/**
 * The append-only event store: every state change the PIMS hears of. The autoincrement id is the
 * total order and the feed's cursor; webhooks deliver from it.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: text('event_id').notNull().unique(),
    siteId: text('site_id').notNull(),
    type: text('type').notNull(),
    occurredAt: text('occurred_at').notNull(),
    dataJson: text('data_json').notNull(),
  },
  (t) => [index('events_site').on(t.siteId, t.id)],
);

/** MPPS as the modalities reported them, with the orders each was linked to. */
export const performedSteps = sqliteTable(
  'performed_steps',
  {
    sopInstanceUid: text('sop_instance_uid').primaryKey(),
    siteId: text('site_id').notNull(),
    agentId: text('agent_id').notNull(),
    status: text('status', { enum: PERFORMED_STEP_STATUSES }).notNull(),
    modality: text('modality'),
    callingAeTitle: text('calling_ae_title').notNull(),
    scheduledStepsJson: text('scheduled_steps_json').notNull(),
    performedSeriesJson: text('performed_series_json').notNull(),
    discontinuationJson: text('discontinuation_json'),
    attributesJson: text('attributes_json').notNull(),
    /** Empty for an unscheduled step: it waits in reconciliation and completes nothing by itself. */
    orderIdsJson: text('order_ids_json').notNull(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('performed_steps_site').on(t.siteId)],
);

export const performedStepHistory = sqliteTable(
  'performed_step_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    at: text('at').notNull(),
    event: text('event').notNull(),
    status: text('status', { enum: PERFORMED_STEP_STATUSES }).notNull(),
  },
  (t) => [index('performed_step_history_uid').on(t.sopInstanceUid)],
);

/**
 * PIMS webhook subscriptions, each with where its delivery stands, so a restarted plugin resumes
 * exactly there. Events are delivered strictly in order, one at a time per subscription.
 */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    url: text('url').notNull(),
    /**
     * Sealed with the secret box (signing needs it back, so it cannot be a hash); the API never
     * shows it again.
     */
    secret: text('secret').notNull(),
    /** A JSON list of event types; null for every type. */
    typesJson: text('types_json'),
    /** `active`, or `failed` once one event could not be delivered for the whole retry period. */
    status: text('status', { enum: ['active', 'failed'] })
      .notNull()
      .default('active'),
    /** Events of the site up to this `events.id` are done with: delivered, or of a type not asked for. */
    cursor: integer('cursor').notNull(),
    /** Failed attempts at the event after the cursor. */
    attempts: integer('attempts').notNull().default(0),
    /** Epoch milliseconds of the first attempt at that event: the retry period counts from here. */
    firstAttemptAt: integer('first_attempt_at'),
    /** Epoch milliseconds before which the next attempt must not start; null means now. */
    nextAttemptAt: integer('next_attempt_at'),
    lastError: text('last_error'),
    failedAt: text('failed_at'),
    /**
     * The plugin instance delivering this subscription and until when (epoch milliseconds): with
     * several instances on one database, exactly one sends a subscription's events at a time.
     */
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    createdAt: createdAt(),
  },
  (t) => [index('webhooks_site').on(t.siteId)],
);

/** Every delivery attempt, as `GET /v1/webhooks/{id}/deliveries` shows it. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    webhookId: text('webhook_id').notNull(),
    eventSeq: integer('event_seq').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    attempt: integer('attempt').notNull(),
    at: text('at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    /** `delivered`, `retrying` (another attempt is scheduled) or `gave_up` (the subscription failed). */
    outcome: text('outcome', { enum: ['delivered', 'retrying', 'gave_up'] }).notNull(),
  },
  (t) => [index('webhook_deliveries_webhook').on(t.webhookId, t.id)],
);

// Studies, instances and media live in their own module; re-exported so one schema drives migrations.
export * from './studies-schema.js';
// PIMS connectors: what they share here, what each dialect keeps in its own folder.
export * from './connectors-schema.js';
export * from './hl7-schema.js';
export * from './audit-schema.js';
export * from './embed-schema.js';
export * from './instance-images-schema.js';
export * from './staff-schema.js';
