import { z } from 'zod';
import { deliverySettings, pimsSiteIdSetting, requestTimeoutSetting } from '../delivery-settings.js';

/** A Provet Cloud organisation: its webhooks call in, its REST API tells the rest and takes results. */
export const provetSettings = z.object({
  pimsSiteId: pimsSiteIdSetting('Scopes the worklist ids: orders are `{ system: "provet", siteId }`.'),
  apiBaseUrl: z
    .url({ protocol: /^https?$/ })
    .meta({ description: "The organisation's Provet Cloud address; the REST API is under /api/0.1/." }),
  provetId: z
    .string()
    .min(1)
    .max(64)
    .meta({ description: 'The organisation id its webhooks carry as provet_id; others are refused.' }),
  modalities: z
    .record(z.string().min(1).max(64), z.string().regex(/^[A-Z0-9_]{1,16}$/))
    .default({
      'X-ray': 'DX',
      Radiography: 'DX',
      Ultrasound: 'US',
      CT: 'CT',
      MRI: 'MR',
      'Dental X-ray': 'IO',
      Endoscopy: 'ES',
    })
    .meta({ description: "Provet's imaging modality names → DICOM modality codes." }),
  requestTimeoutMs: requestTimeoutSetting,
  ...deliverySettings,
});
export type ProvetSettings = z.infer<typeof provetSettings>;

export const provetSecrets = z
  .object({
    apiToken: z
      .string()
      .min(1)
      .meta({ description: 'The REST API token (sent as `Authorization: Token ...`).' }),
    webhookToken: z
      .string()
      .min(24)
      .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, - and _ (it goes into the webhook URL)')
      .meta({
        description: 'Part of the webhook URL set in Provet Cloud (`?token=`); at least 24 characters.',
      }),
  })
  .strict();
export type ProvetSecrets = z.infer<typeof provetSecrets>;
