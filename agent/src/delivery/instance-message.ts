import {
  MAX_FRAME_BYTES,
  storedInstanceMessage,
  type InstanceImage,
  type StoredInstanceAttributes,
  type StoredInstanceMessage,
} from '@lightbox/protocol';
import type { storedInstances } from '../db/schema.js';
import type { HeaderAttributes } from '../rendering/header-attributes.js';
import type { GreyRendition } from '../rendering/render-frame.js';

type StoredRow = typeof storedInstances.$inferSelect;

export interface Media {
  thumbnail: Buffer;
  preview: Buffer;
  placeholderReason: string | null;
  /** The image's facts; null for a placeholder (and absent where a caller has none). */
  image?: InstanceImage | null;
  rendition?: GreyRendition | null;
  /** The frame the preview and the rendition show (0-based). */
  frame?: number | null;
  /** The frame numbers whose previews follow in `instance.frames` messages. */
  framePreviewFrames?: number[];
}

/** The largest `instance.stored` message sent: a link frame, less room for its envelope. */
export const MAX_INSTANCE_MESSAGE_BYTES = MAX_FRAME_BYTES - 64 * 1024;

/**
 * The `instance.stored` message for one stored instance. Values a modality sent beyond what the
 * message allows (an over-long accession number, say) are dropped with a warning rather than
 * sent: the plugin would refuse the whole message, and the instance must reach it. The same goes
 * for the image facts and the rendition: a viewer without them still has the preview.
 */
export function instanceMessage(
  row: StoredRow,
  header: HeaderAttributes | null,
  media: Media,
  warn: (dropped: string[]) => void,
): StoredInstanceMessage {
  const attributes: Record<string, unknown> = {
    requestedProcedureIds: [],
    scheduledProcedureStepIds: [],
    ...header,
    patientId: nonEmpty(row.patientId),
    patientName: nonEmpty(row.patientName),
    accessionNumber: nonEmpty(row.accessionNumber),
    modality: nonEmpty(row.modality),
    studyDate: nonEmpty(row.studyDate),
    seriesNumber: integerOf(row.seriesNumber),
    instanceNumber: integerOf(row.instanceNumber),
  } satisfies Partial<Record<keyof StoredInstanceAttributes, unknown>>;
  const defined = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  // Previews are small; one that is not (a huge colour photograph) travels as its thumbnail.
  const preview = media.preview.length > 2_000_000 ? media.thumbnail : media.preview;
  let kept = defined(attributes);
  let image = media.image ?? undefined;
  let rendition = media.rendition ? renditionOf(media.rendition, media.frame ?? 0) : undefined;
  let framePreviews = media.framePreviewFrames?.length ? { frames: media.framePreviewFrames } : undefined;
  const candidate = () => ({
    kind: 'instance.stored' as const,
    studyInstanceUid: row.studyInstanceUid,
    seriesInstanceUid: row.seriesInstanceUid,
    sopInstanceUid: row.sopInstanceUid,
    sopClassUid: row.sopClassUid,
    transferSyntaxUid: row.transferSyntaxUid,
    sha256: row.sha256,
    size: row.fileBytes,
    callingAeTitle: row.callingAeTitle,
    receivedAt: row.receivedAt,
    conflict: row.conflict === 1,
    attributes: kept,
    ...(image ? { image } : {}),
    media: {
      thumbnail: media.thumbnail.toString('base64'),
      preview: preview.toString('base64'),
      placeholderReason: media.placeholderReason?.slice(0, 500) ?? null,
      ...(rendition ? { rendition } : {}),
      ...(framePreviews ? { framePreviews } : {}),
    },
  });
  const dropped = new Set<string>();
  const parsed = storedInstanceMessage.safeParse(candidate());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [where, key] = issue.path;
      if (where === 'attributes' && typeof key === 'string') dropped.add(key);
      if (where === 'image') dropped.add('image');
      if (where === 'media' && (key === 'rendition' || key === 'framePreviews')) dropped.add(key);
    }
    kept = Object.fromEntries(Object.entries(kept).filter(([k]) => !dropped.has(k)));
    if (dropped.has('image')) image = undefined;
    if (dropped.has('rendition')) rendition = undefined;
    if (dropped.has('framePreviews')) framePreviews = undefined;
  }
  // What remains is what the storage SCP validated (UIDs, hash) and media within their bounds.
  let message = storedInstanceMessage.parse(candidate());
  if (rendition && Buffer.byteLength(JSON.stringify(message)) > MAX_INSTANCE_MESSAGE_BYTES) {
    // A preview and a rendition of noise can together outgrow one link frame: the preview wins.
    dropped.add('rendition');
    rendition = undefined;
    message = storedInstanceMessage.parse(candidate());
  }
  if (dropped.size > 0) warn([...dropped]);
  return message;
}

function renditionOf(r: GreyRendition, frame: number) {
  return {
    png: r.png.toString('base64'),
    format: 'grey16' as const,
    width: r.width,
    height: r.height,
    frame,
    storedValueOffset: r.storedValueOffset,
    invert: r.invert,
    defaultWindow: r.defaultWindow,
  };
}

function nonEmpty(v: string): string | undefined {
  const t = v.trim();
  return t === '' ? undefined : t;
}

function integerOf(v: string): number | undefined {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}
