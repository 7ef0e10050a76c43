import { z } from 'zod';
import {
  pluginToAgentMessage,
  agentToPluginMessage,
  agentStatusReport,
  worklistDigest,
} from '../messages/index.js';

const seq = z.number().int().nonnegative();

/**
 * The agent opens every connection with hello. `lastReceivedSeq` is the last plugin→agent message
 * it applied; `outboxFloorSeq` is the highest of its own messages the plugin already acknowledged
 * (everything at or below it is gone from its outbox).
 */
export const helloFrame = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().int().positive(),
  agentId: z.string().min(1).max(64),
  agentVersion: z.string().min(1).max(64),
  lastReceivedSeq: seq,
  outboxFloorSeq: seq,
  /** The agent's worklist copy, summarised; absent from agents that keep none. */
  worklist: worklistDigest.optional(),
});

export const agentLinkConfig = z.object({
  heartbeatMs: z.number().int().min(100).max(600_000),
});
export type AgentLinkConfig = z.infer<typeof agentLinkConfig>;

export const welcomeFrame = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.number().int().positive(),
  lastReceivedSeq: seq,
  outboxFloorSeq: seq,
  config: agentLinkConfig,
});

/** A state-changing message, kept in the sender's outbox until acknowledged. */
export const pluginToAgentMsgFrame = z.object({ type: z.literal('msg'), seq, body: pluginToAgentMessage });
export const agentToPluginMsgFrame = z.object({ type: z.literal('msg'), seq, body: agentToPluginMessage });

/** Cumulative: every message up to and including `seq` is applied and recorded by the receiver. */
export const ackFrame = z.object({ type: z.literal('ack'), seq });

/** A sign of life; the agent's also carries its outbox depth for the plugin's agent list. */
export const heartbeatFrame = z.object({
  type: z.literal('heartbeat'),
  sentAt: z.number(),
  outboxDepth: z.number().int().nonnegative().optional(),
  /** The agent's queues, disk and recent worklist queries; agents before it send none. */
  status: agentStatusReport.optional(),
});

export const linkErrorCode = z.enum([
  'invalid-json',
  'unknown-frame-type',
  'schema-violation',
  'unexpected-frame',
  'sequence-gap',
]);
export type LinkErrorCode = z.infer<typeof linkErrorCode>;

/** Sent instead of crashing: the peer learns what was wrong with the frame it sent. */
export const errorFrame = z.object({
  type: z.literal('error'),
  code: linkErrorCode,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const agentFrame = z.discriminatedUnion('type', [
  helloFrame,
  agentToPluginMsgFrame,
  ackFrame,
  heartbeatFrame,
  errorFrame,
]);
export const pluginFrame = z.discriminatedUnion('type', [
  welcomeFrame,
  pluginToAgentMsgFrame,
  ackFrame,
  heartbeatFrame,
  errorFrame,
]);

export type HelloFrame = z.infer<typeof helloFrame>;
export type WelcomeFrame = z.infer<typeof welcomeFrame>;
export type AckFrame = z.infer<typeof ackFrame>;
export type HeartbeatFrame = z.infer<typeof heartbeatFrame>;
export type ErrorFrame = z.infer<typeof errorFrame>;
export type AgentFrame = z.infer<typeof agentFrame>;
export type PluginFrame = z.infer<typeof pluginFrame>;
