import { z } from 'zod';

/**
 * A link check: the plugin sends `probe`, the agent records it and answers `probe.reply` through its
 * own outbox. Installers use it to prove a link end to end; tests use it to count deliveries.
 */
export const probeMessage = z.object({
  kind: z.literal('probe'),
  probeId: z.string().min(1).max(64),
  n: z.number().int().nonnegative(),
});

export const probeReplyMessage = z.object({
  kind: z.literal('probe.reply'),
  probeId: z.string().min(1).max(64),
  n: z.number().int().nonnegative(),
  /** How many times the agent has applied this probe; anything but 1 is a delivery defect. */
  appliedCount: z.number().int().positive(),
});

export type ProbeMessage = z.infer<typeof probeMessage>;
export type ProbeReplyMessage = z.infer<typeof probeReplyMessage>;
