import { z } from 'zod';
import { probeMessage, probeReplyMessage } from './probe.js';
import {
  worklistRemoveMessage,
  worklistSyncBeginMessage,
  worklistSyncEndMessage,
  worklistUpsertMessage,
} from './worklist.js';
import { performedStepMessage } from './performed-step.js';
import { storedInstanceMessage } from './stored-instance.js';
import { agentDiskMessage } from './agent-disk.js';
import { instanceFramesMessage } from './instance-frames.js';
import { echoRequestMessage, echoResultMessage } from './agent-echo.js';

export * from './probe.js';
export * from './worklist.js';
export * from './performed-step.js';
export * from './stored-instance.js';
export * from './agent-disk.js';
export * from './instance-image.js';
export * from './instance-frames.js';
export * from './agent-status.js';
export * from './agent-echo.js';

/** Everything the plugin may ask an agent to apply. */
export const pluginToAgentMessage = z.discriminatedUnion('kind', [
  probeMessage,
  worklistUpsertMessage,
  worklistRemoveMessage,
  worklistSyncBeginMessage,
  worklistSyncEndMessage,
  echoRequestMessage,
]);
/** Everything an agent may ask the plugin to apply. */
export const agentToPluginMessage = z.discriminatedUnion('kind', [
  probeReplyMessage,
  performedStepMessage,
  storedInstanceMessage,
  agentDiskMessage,
  instanceFramesMessage,
  echoResultMessage,
]);

export type PluginToAgentMessage = z.infer<typeof pluginToAgentMessage>;
export type AgentToPluginMessage = z.infer<typeof agentToPluginMessage>;
