import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { siteSettingsBody } from './site-settings-routes.js';

const siteSettingsView = z.object({
  siteId: z.string(),
  pimsOrigins: z
    .array(z.string())
    .nullable()
    .meta({ description: 'The site’s own list; null when it follows `LIGHTBOX_PIMS_ORIGINS`.' }),
  effectivePimsOrigins: z
    .array(z.string())
    .meta({ description: 'What the chart panel’s `frame-ancestors` names for this site now.' }),
});

export const siteSettingsOperations = [
  operation({
    method: 'get',
    path: '/v1/site-settings',
    operationId: 'getSiteSettings',
    tag: 'Site settings',
    summary: 'The settings this site keeps for itself',
    auth: 'apiKey',
    responses: {
      200: { description: 'The site’s settings.', body: { name: 'SiteSettings', schema: siteSettingsView } },
    },
  }),
  operation({
    method: 'patch',
    path: '/v1/site-settings',
    operationId: 'updateSiteSettings',
    tag: 'Site settings',
    summary: 'Change which PIMS pages may frame the chart panel (audited)',
    auth: 'apiKey',
    body: {
      name: 'UpdateSiteSettingsRequest',
      schema: siteSettingsBody,
      example: { pimsOrigins: ['https://clinic.pims.example.com'] },
    },
    responses: {
      200: {
        description: 'The settings as they now are.',
        body: { name: 'SiteSettings', schema: siteSettingsView },
      },
    },
  }),
];
