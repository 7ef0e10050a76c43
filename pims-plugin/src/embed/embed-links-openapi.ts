import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { createEmbedLinkBody } from './embed-links-routes.js';

export const embedLinkOperations = [
  operation({
    method: 'post',
    path: '/v1/embed-links',
    operationId: 'createEmbedLink',
    tag: 'Chart panel',
    summary: "A signed, short-lived link to a patient's imaging panel",
    description:
      'Show the `url` in an iframe (or a new tab) of the patient’s record. It names the site, the ' +
      'patient and the expiry, signed with the site’s key: a link that was changed, has expired, or is ' +
      'used for another patient gets a plain 403 page. Make a new link each time the record is opened.',
    auth: 'apiKey',
    body: {
      name: 'CreateEmbedLinkRequest',
      schema: createEmbedLinkBody,
      example: { pimsPatientId: 'P100', ttlSeconds: 900, user: { id: 'U7', name: 'Dr Jane Doe' } },
    },
    responses: {
      201: {
        description: 'The link.',
        body: {
          name: 'EmbedLink',
          schema: z.object({ url: z.string(), expiresAt: z.iso.datetime() }),
        },
      },
    },
    problems: [404],
  }),
  operation({
    method: 'post',
    path: '/v1/embed-links/rotate-secret',
    operationId: 'rotateEmbedSecret',
    tag: 'Chart panel',
    summary: 'Replace the site’s link-signing key, revoking every link made before',
    auth: 'apiKey',
    responses: {
      200: {
        description: 'The new key’s version.',
        body: {
          name: 'EmbedSecretRotated',
          schema: z.object({ version: z.number().int(), rotatedAt: z.iso.datetime() }),
        },
      },
    },
  }),
];
