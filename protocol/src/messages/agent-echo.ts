import { z } from 'zod';

/**
 * A C-ECHO asked for from the plugin's agents page. `target` names one of the echo targets the
 * agent reported; the agent never dials an address the plugin made up. A request older than its
 * `notAfter` when it arrives (the agent was offline) is answered as expired, not run.
 * Sent only to agents whose status report lists echo targets: older agents do not know it.
 */
export const echoRequestMessage = z.object({
  kind: z.literal('echo.request'),
  echoId: z.string().min(1).max(64),
  target: z.string().min(1).max(80),
  notAfter: z.string().max(40),
});
export type EchoRequestMessage = z.infer<typeof echoRequestMessage>;

export const echoResultMessage = z.object({
  kind: z.literal('echo.result'),
  echoId: z.string().min(1).max(64),
  target: z
    .object({
      id: z.string().max(80),
      aeTitle: z.string().max(64),
      host: z.string().max(255),
      port: z.number().int(),
    })
    .optional(),
  ok: z.boolean(),
  /** Round trip from dialling to the C-ECHO response. */
  ms: z.number().nonnegative().optional(),
  error: z.string().max(512).optional(),
  at: z.string().max(40),
});
export type EchoResultMessage = z.infer<typeof echoResultMessage>;
