import {
  storedInstanceMessage,
  type StoredInstanceAttributes,
  type StoredInstanceMessage,
} from '@lightbox/protocol';
import type { storedInstances } from '../db/schema.js';
import type { HeaderAttributes } from '../rendering/header-attributes.js';

type StoredRow = typeof storedInstances.$inferSelect;

export interface Media {
  thumbnail: Buffer;
  preview: Buffer;
  placeholderReason: string | null;
}

/**
 * The `instance.stored` message for one stored instance. Values a modality sent beyond what the
 * message allows (an over-long accession number, say) are dropped with a warning rather than
 * sent: the plugin would refuse the whole message, and the instance must reach it.
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
    media: {
      thumbnail: media.thumbnail.toString('base64'),
      preview: preview.toString('base64'),
      placeholderReason: media.placeholderReason?.slice(0, 500) ?? null,
    },
  });
  const parsed = storedInstanceMessage.safeParse(candidate());
  if (parsed.success) return parsed.data;
  const dropped = new Set<string>();
  for (const issue of parsed.error.issues) {
    const [where, key] = issue.path;
    if (where === 'attributes' && typeof key === 'string') dropped.add(key);
  }
  kept = Object.fromEntries(Object.entries(kept).filter(([k]) => !dropped.has(k)));
  warn([...dropped]);
  // What remains is what the storage SCP validated (UIDs, hash): this parse succeeds.
  return storedInstanceMessage.parse(candidate());
}

function nonEmpty(v: string): string | undefined {
  const t = v.trim();
  return t === '' ? undefined : t;
}

function integerOf(v: string): number | undefined {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}
