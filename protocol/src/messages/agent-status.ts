import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * The last Modality Worklist query one calling AE title sent, as the agent answered it: what a
 * field engineer needs while setting a console up (did it ask at all, with which keys, and how
 * many items did it get).
 */
export const worklistQuerySeen = z.object({
  callingAe: z.string().max(64),
  at: z.string().max(40),
  /** Keys sent with a value (matching keys), `Sequence>Keyword` inside a sequence's item. */
  keys: z.array(z.object({ key: z.string().max(160), value: z.string().max(128) })).max(32),
  /** Every key the query carried, with or without a value. */
  requestedKeys: count,
  /** Items that matched; `sent` of them were sent before the query ended. */
  matched: count,
  sent: count,
  /**
   * `success`, `cancelled`, `failed`, `disconnected`, `answer limit reached`, or `refused` (then
   * `comment` gives the status and why).
   */
  outcome: z.string().max(32),
  comment: z.string().max(128).optional(),
});
export type WorklistQuerySeen = z.infer<typeof worklistQuerySeen>;

/** A peer the agent may C-ECHO when asked: its own configuration names it, never the plugin. */
export const echoTarget = z.object({
  /** How a request names it: `pacs`, `station:<AE>`, `self`. */
  id: z.string().min(1).max(80),
  aeTitle: z.string().max(64),
  host: z.string().max(255),
  port: z.number().int().min(1).max(65535),
  role: z.enum(['pacs', 'station', 'self']),
});
export type EchoTarget = z.infer<typeof echoTarget>;

/**
 * The agent's state for the plugin's agents page, sent with heartbeats (at most every few
 * seconds). A snapshot, not a change: a lost one is replaced by the next, so it rides on the
 * heartbeat rather than the durable outbox.
 */
export const agentStatusReport = z.object({
  at: z.string().max(40),
  queues: z.object({
    /** Messages for the plugin not yet acknowledged. */
    outbox: count,
    /** Stored instances not yet rendered and handed to the link. */
    delivery: count,
    /** Stored instances the PACS has not taken yet; absent when the agent forwards nowhere. */
    forwarding: count.optional(),
  }),
  spool: z.object({ bytes: count, files: count }),
  /** The spool's file system; absent until the agent has read it once. */
  disk: z.object({ freeBytes: count, minFreeBytes: count }).optional(),
  worklistQueries: z.array(worklistQuerySeen).max(32),
  echoTargets: z.array(echoTarget).max(32),
});
export type AgentStatusReport = z.infer<typeof agentStatusReport>;
