import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { probeBody } from './probes-routes.js';

const params = {
  agentId: 'The agent to probe.',
  probeId: 'The `probeId` answered when the probes were sent.',
};

export const probeOperations = [
  operation({
    method: 'post',
    path: '/v1/agents/{agentId}/probes',
    operationId: 'sendProbes',
    tag: 'Link checks',
    summary: 'Send numbered probes through the durable link',
    description:
      'The agent answers each; read the answers back to prove the link delivers both ways, once, in order.',
    auth: 'apiKey',
    pathParams: { agentId: params.agentId },
    body: { name: 'SendProbesRequest', schema: probeBody },
    responses: {
      202: {
        description: 'Queued for the agent.',
        body: { name: 'ProbesSent', schema: z.object({ probeId: z.string(), count: z.number().int() }) },
      },
    },
    problems: [404],
  }),
  operation({
    method: 'get',
    path: '/v1/agents/{agentId}/probes/{probeId}',
    operationId: 'getProbeReplies',
    tag: 'Link checks',
    summary: 'What the agent answered to a batch of probes',
    auth: 'apiKey',
    pathParams: params,
    responses: {
      200: {
        description: 'The replies received so far.',
        body: {
          name: 'ProbeReplies',
          schema: z.object({
            probeId: z.string(),
            replies: z.number().int(),
            distinct: z.number().int(),
            inOrder: z.boolean(),
            maxAppliedCount: z
              .number()
              .int()
              .meta({ description: 'Above 1 means a reply was applied twice.' }),
            ns: z.array(z.number().int()),
          }),
        },
      },
    },
    problems: [404],
  }),
];
