import { z } from 'zod';
import { framePreviewList, imageRendition, instanceImage } from './instance-image.js';

const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);
const text = (max: number) => z.string().max(max);

/**
 * A rendered JPEG, carried inline: thumbnails and previews are small and ride the durable outbox.
 * The bounds keep one message well inside a link frame (4 MiB).
 */
const jpeg = (maxChars: number) => z.base64().max(maxChars);

/**
 * What the plugin needs of an instance to file it: the identifiers, the keys that match it to an
 * order (accession, the Request Attributes Sequence's step ids, the patient), and what the chart
 * shows. The agent extracts them from the stored object.
 */
export const storedInstanceAttributes = z.object({
  patientId: text(64).optional(),
  patientName: text(324).optional(),
  patientSpeciesDescription: text(64).optional(),
  accessionNumber: text(16).optional(),
  requestedProcedureIds: z.array(text(16)).max(16).default([]),
  scheduledProcedureStepIds: z.array(text(16)).max(16).default([]),
  modality: text(16).optional(),
  studyDate: text(8).optional(),
  studyTime: text(16).optional(),
  studyDescription: text(64).optional(),
  seriesDescription: text(64).optional(),
  seriesNumber: z.number().int().optional(),
  instanceNumber: z.number().int().optional(),
  bodyPartExamined: text(16).optional(),
});
export type StoredInstanceAttributes = z.infer<typeof storedInstanceAttributes>;

/** An instance safely in the agent's spool, with the media rendered from it. */
export const storedInstanceMessage = z.object({
  kind: z.literal('instance.stored'),
  studyInstanceUid: uid,
  seriesInstanceUid: uid,
  sopInstanceUid: uid,
  sopClassUid: uid,
  transferSyntaxUid: uid.optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative().optional(),
  callingAeTitle: z.string().max(16),
  receivedAt: z.string(),
  /** The same SOP Instance UID arrived before with other bytes: both are kept, this one flagged. */
  conflict: z.boolean().default(false),
  attributes: storedInstanceAttributes,
  /** The image's facts for a viewer; absent for a placeholder and from agents that send none. */
  image: instanceImage.optional(),
  media: z.object({
    thumbnail: jpeg(400_000),
    preview: jpeg(2_800_000),
    /** Set when the image could not be drawn and the media are a placeholder; says why. */
    placeholderReason: z.string().max(500).nullable(),
    /** The lossless grey rendition; absent for colour images, placeholders and older agents. */
    rendition: imageRendition.optional(),
    /** A multi-frame object's frame previews, which follow in `instance.frames` messages. */
    framePreviews: framePreviewList.optional(),
  }),
});
export type StoredInstanceMessage = z.infer<typeof storedInstanceMessage>;
