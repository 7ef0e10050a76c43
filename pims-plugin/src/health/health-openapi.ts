import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';

export const healthOperations = [
  operation({
    method: 'get',
    path: '/health/live',
    operationId: 'live',
    tag: 'Health',
    summary: 'The process answers',
    auth: 'public',
    responses: {
      200: { description: 'Alive.', body: { name: 'Live', schema: z.object({ status: z.literal('ok') }) } },
    },
  }),
  operation({
    method: 'get',
    path: '/health/ready',
    operationId: 'ready',
    tag: 'Health',
    summary: 'The process can reach its database',
    auth: 'public',
    responses: {
      200: {
        description: 'Ready.',
        body: { name: 'Ready', schema: z.object({ status: z.literal('ready') }) },
      },
    },
    problems: [503],
  }),
];
