import { z } from 'zod';
import { deliverySettings } from '../delivery-settings.js';

const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'expected a host name or an IP address');
const port = z.number().int().min(1).max(65535);
const hl7Text = z
  .string()
  .max(180)
  .regex(/^[^|^~\\&\r\n]*$/, 'expected text without HL7 separators (| ^ ~ \\ &)');

/** An HL7 v2 connector: where it listens for orders, where it sends status and results. */
export const hl7Settings = z
  .object({
    listen: z
      .object({
        host: hostName
          .default('0.0.0.0')
          .meta({ description: 'The address to listen on; 0.0.0.0 for every one.' }),
        port,
      })
      .optional()
      .meta({ description: 'Where the PIMS sends ORM^O01 / OMI^O23 over MLLP. Absent: no listener.' }),
    outbound: z.object({ host: hostName, port }).optional().meta({
      description: 'Where status (ORM^O01 SC) and results (ORU^R01) are sent over MLLP. Absent: none.',
    }),
    pimsSiteId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, ., - or _')
      .default('main')
      .meta({
        description:
          'Scopes the PIMS placer order numbers: orders from this connector are `{ system: "hl7", siteId }`. ' +
          'Keep it when the connector is replaced, or a resent order would be new.',
      }),
    defaultModality: z
      .string()
      .regex(/^[A-Z0-9_]{1,16}$/, 'expected a DICOM modality code such as DX, US, IO, CT')
      .optional()
      .meta({ description: 'For orders that name no modality (in IPC-5 or OBR-24).' }),
    defaultCharset: z
      .enum(['UNICODE UTF-8', '8859/1'])
      .default('UNICODE UTF-8')
      .meta({ description: 'How messages that leave MSH-18 empty are read.' }),
    sendingApplication: hl7Text.default('LIGHTBOX'),
    sendingFacility: hl7Text.default(''),
    receivingApplication: hl7Text.default(''),
    receivingFacility: hl7Text.default(''),
    embedThumbnails: z
      .boolean()
      .default(false)
      .meta({ description: 'Also embed up to 20 thumbnails in the ORU^R01 as ED (base64 JPEG).' }),
    maxMessageBytes: z
      .number()
      .int()
      .min(4_096)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    frameTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .meta({ description: 'A message begun and not finished for this long closes its connection.' }),
    ackTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    ...deliverySettings,
  })
  .refine((s) => s.listen !== undefined || s.outbound !== undefined, {
    message: 'expected listen, outbound, or both',
    path: ['listen'],
  });
export type Hl7Settings = z.infer<typeof hl7Settings>;
