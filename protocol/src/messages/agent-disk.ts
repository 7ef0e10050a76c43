import { z } from 'zod';

/**
 * The agent's spool disk crossed its free-space threshold: `low` when C-STOREs start being refused,
 * `ok` when they are taken again. The plugin turns each into an event (`agent.disk_low`,
 * `agent.disk_ok`) so the practice hears of it before a modality operator does.
 */
export const agentDiskMessage = z.object({
  kind: z.literal('agent.disk'),
  state: z.enum(['low', 'ok']),
  freeBytes: z.number().int().nonnegative(),
  minFreeBytes: z.number().int().nonnegative(),
  at: z.string(),
});
export type AgentDiskMessage = z.infer<typeof agentDiskMessage>;
