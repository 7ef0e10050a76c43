import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { createApiKeyBody } from './api-keys-routes.js';

const apiKeyView = z.object({
  apiKeyId: z.string(),
  label: z.string(),
  source: z.enum(['env', 'generated', 'api']).meta({
    description:
      '`env`: `LIGHTBOX_API_KEY` (replaced when that setting changes); `generated`: printed on the first start; `api`: created here.',
  }),
  prefix: z.string().nullable().meta({
    description: 'The first characters of the key, to recognise it by; null for keys older than this field.',
  }),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable().meta({ description: 'The last request with it, to the minute.' }),
  revokedAt: z.iso
    .datetime()
    .nullable()
    .meta({ description: 'Set once revoked: the key authenticates nothing.' }),
});

const apiKeyCreated = apiKeyView.extend({
  key: z.string().meta({ description: 'Shown in this answer only; stored as a hash.' }),
});

export const apiKeyOperations = [
  operation({
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    tag: 'API keys',
    summary: 'Create an API key for this site',
    auth: 'apiKey',
    body: { name: 'CreateApiKeyRequest', schema: createApiKeyBody, example: { label: 'PIMS sync' } },
    responses: {
      201: {
        description: 'Created; the key is in this answer only.',
        body: { name: 'ApiKeyCreated', schema: apiKeyCreated },
      },
    },
  }),
  operation({
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    tag: 'API keys',
    summary: "The site's API keys: prefix, last use, revoked or not — never the keys",
    auth: 'apiKey',
    responses: {
      200: {
        description: 'Every key of the site, oldest first.',
        body: { name: 'ApiKeyList', schema: z.object({ items: z.array(apiKeyView) }) },
      },
    },
  }),
  operation({
    method: 'delete',
    path: '/v1/api-keys/{apiKeyId}',
    operationId: 'revokeApiKey',
    tag: 'API keys',
    summary: 'Revoke an API key',
    description:
      'The next request with the key is answered 401. The site’s last active key cannot be revoked (409): create its replacement first.',
    auth: 'apiKey',
    pathParams: { apiKeyId: 'The `apiKeyId` from the list.' },
    responses: { 204: { description: 'Revoked (or already revoked).' } },
    problems: [404, 409],
  }),
];
