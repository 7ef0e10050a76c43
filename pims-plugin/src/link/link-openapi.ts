import { operation } from '../openapi/api-operation.js';

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
];
