import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';

/** What `doctor` on an agent's PC reads: its token is accepted, the protocol, the plugin's clock. */
export const linkCheckSchema = z.object({
  agentId: z.string(),
  protocolVersion: z.number().int(),
  time: z.iso.datetime(),
});

export const linkOperations = [
  operation({
    method: 'get',
    path: '/v1/agents/link',
    operationId: 'agentLink',
    tag: 'Agents',
    summary: 'The agents’ WebSocket link (agents only)',
    description:
      'An agent dials out here with its token and upgrades to a WebSocket; the frames are the typed, ' +
      'versioned protocol of `@lightbox/protocol`, not part of this API. A wrong token is refused ' +
      'with 401 before the upgrade.',
    auth: 'agentToken',
    responses: { 101: { description: 'Switching to the WebSocket link.' } },
  }),
  operation({
    method: 'get',
    path: '/v1/agents/link-check',
    operationId: 'agentLinkCheck',
    tag: 'Agents',
    summary: 'Check an agent token without linking (agents only)',
    description:
      'What the agent’s `doctor` asks before a link: whether its token is accepted, which protocol ' +
      'version this plugin speaks, and the plugin’s clock. It does not disturb the agent’s live link.',
    auth: 'agentToken',
    responses: {
      200: { description: 'The token is valid.', body: { name: 'LinkCheck', schema: linkCheckSchema } },
    },
  }),
];
