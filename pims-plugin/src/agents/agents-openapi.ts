import { z } from 'zod';
import { taggedOperations } from '../openapi/api-operation.js';
import { createAgentBody, rotateTokenBody } from './agents-routes.js';

const agentView = z.object({
  agentId: z.string(),
  name: z.string(),
  stations: z.array(z.object({ aeTitle: z.string(), modality: z.string() })),
  connected: z.boolean().meta({ description: 'Linked now, to this plugin instance or another one.' }),
  lastSeenAt: z.iso.datetime().nullable(),
  agentVersion: z.string().nullable(),
  queues: z.object({
    toAgent: z.number().int().meta({ description: 'Messages waiting for the agent to acknowledge them.' }),
    fromAgent: z.number().int().meta({ description: 'Messages the agent last reported waiting.' }),
  }),
  sequence: z.object({
    lastSentToAgent: z.number().int(),
    lastAcknowledgedByAgent: z.number().int(),
    lastAppliedFromAgent: z.number().int(),
  }),
});

const agentCreated = z.object({
  agentId: z.string(),
  name: z.string(),
  stations: createAgentBody.shape.stations.unwrap(),
  token: z
    .string()
    .meta({ description: 'Shown once and stored only as a hash: put it in the agent’s settings.' }),
});

const agentIdParam = { agentId: 'The `agentId` answered on registration.' };

export const agentOperations = taggedOperations('Agents', [
  {
    method: 'post',
    path: '/v1/agents',
    operationId: 'registerAgent',
    summary: 'Register an agent and the stations it serves',
    body: {
      name: 'RegisterAgentRequest',
      schema: createAgentBody,
      example: { name: 'X-ray room', stations: [{ aeTitle: 'DR1', modality: 'DX' }] },
    },
    responses: {
      201: {
        description: 'Registered; the token is in this answer only.',
        body: { name: 'AgentCreated', schema: agentCreated },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/agents',
    operationId: 'listAgents',
    summary: "Each agent's connection state, last seen, version and queue depths",
    responses: {
      200: {
        description: 'The agents of this site, newest first.',
        body: { name: 'AgentList', schema: z.object({ items: z.array(agentView) }) },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/agents/{agentId}',
    operationId: 'getAgent',
    summary: 'One agent',
    pathParams: agentIdParam,
    responses: { 200: { description: 'The agent.', body: { name: 'Agent', schema: agentView } } },
    problems: [404],
  },
  {
    method: 'post',
    path: '/v1/agents/{agentId}/token',
    operationId: 'rotateAgentToken',
    summary: 'Give an agent a new token',
    description:
      'By default both tokens work until the agent links with the new one; from then on only the new one does, ' +
      'and the link still on the old token is closed. With `immediately: true` the old token stops working now ' +
      'and the link it holds is closed at once (close code 4007). Recorded in the audit log. The body may be left out.',
    pathParams: agentIdParam,
    body: { name: 'RotateAgentTokenRequest', schema: rotateTokenBody, example: { immediately: false } },
    responses: {
      200: {
        description: 'The new token, in this answer only.',
        body: {
          name: 'AgentTokenRotated',
          schema: z.object({
            agentId: z.string(),
            token: z.string().meta({ description: 'Put it in the agent’s settings (LIGHTBOX_AGENT_TOKEN).' }),
            oldToken: z.enum(['revoked', 'valid until the new token links']),
          }),
        },
      },
    },
    problems: [404],
  },
  {
    method: 'delete',
    path: '/v1/agents/{agentId}',
    operationId: 'removeAgent',
    summary: 'Remove an agent',
    description:
      'Its tokens stop working, its link is closed within a second, and it is no longer listed or sent orders. ' +
      'Recorded in the audit log.',
    pathParams: agentIdParam,
    responses: { 204: { description: 'Removed.' } },
    problems: [404],
  },
]);
