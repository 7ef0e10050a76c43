import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  text('created_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

export const sites = sqliteTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** PIMS API keys; only a SHA-256 of each key is kept. */
export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  siteId: text('site_id')
    .notNull()
    .references(() => sites.id),
  keyHash: text('key_hash').notNull().unique(),
  label: text('label').notNull(),
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
    stationsJson: text('stations_json').notNull().default('[]'),
    agentVersion: text('agent_version'),
    connected: integer('connected', { mode: 'boolean' }).notNull().default(false),
    lastSeenAt: text('last_seen_at'),
    /** The agent's own outbox depth, as its heartbeats last reported it. */
    agentOutboxDepth: integer('agent_outbox_depth').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('agents_site').on(t.siteId)],
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
