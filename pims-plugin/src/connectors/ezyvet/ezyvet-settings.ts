import { z } from 'zod';
import { deliverySettings, pimsSiteIdSetting, requestTimeoutSetting } from '../delivery-settings.js';

const modality = z
  .string()
  .regex(/^[A-Z0-9_]{1,16}$/, 'expected a DICOM modality code such as DX, US, IO, CT');

/** An ezyVet site on its Standard PACS Interface: ezyVet calls in, results go back through its API. */
export const ezyvetSettings = z.object({
  pimsSiteId: pimsSiteIdSetting(
    'Scopes the diagnostic request ids: orders are `{ system: "ezyvet", siteId }`.',
  ),
  apiBaseUrl: z
    .url({ protocol: /^https?$/ })
    .default('https://api.ezyvet.com')
    .meta({
      description: "ezyVet's API: https://api.ezyvet.com, or https://api.trial.ezyvet.com for a trial site.",
    }),
  partnerId: z
    .string()
    .min(1)
    .max(128)
    .meta({ description: 'The partner_id ezyVet issued for this integration.' }),
  clientId: z.string().min(1).max(128).meta({ description: "The site's client_id for ezyVet's API." }),
  siteUid: z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'The ezyVet site_uid, where ezyVet asks for one.' }),
  scope: z
    .string()
    .max(512)
    .default('read-attachment write-attachment read-diagnosticresult write-diagnosticresult')
    .meta({ description: 'The scopes asked for with the access token.' }),
  partnerClientId: z.string().min(1).max(128).meta({
    description: 'The client_id ezyVet presents to this plugin (set in the PACS integration record).',
  }),
  partnerTokenTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(8 * 3600)
    .meta({ description: 'How long an access token this plugin issues to ezyVet lasts.' }),
  modalities: z
    .array(z.object({ code: modality, name: z.string().min(1).max(64) }))
    .min(1)
    .default([
      { code: 'DX', name: 'Digital radiography' },
      { code: 'CR', name: 'Computed radiography' },
      { code: 'US', name: 'Ultrasound' },
      { code: 'CT', name: 'Computed tomography' },
      { code: 'MR', name: 'Magnetic resonance' },
      { code: 'IO', name: 'Intra-oral radiography' },
      { code: 'XC', name: 'External camera' },
    ])
    .meta({ description: 'What ezyVet offers in its modality list; requests name one of these codes.' }),
  requestTimeoutMs: requestTimeoutSetting,
  ...deliverySettings,
});
export type EzyvetSettings = z.infer<typeof ezyvetSettings>;

export const ezyvetSecrets = z
  .object({
    clientSecret: z.string().min(1).meta({ description: "The site's client_secret for ezyVet's API." }),
    partnerClientSecret: z
      .string()
      .min(16)
      .meta({ description: 'The client_secret ezyVet presents to this plugin; at least 16 characters.' }),
  })
  .strict();
export type EzyvetSecrets = z.infer<typeof ezyvetSecrets>;
