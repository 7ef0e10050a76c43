import type { InstanceFramesMessage, StoredInstanceMessage } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { instanceFramePreviews, instanceImages } from '../db/schema.js';
import type { MediaStore } from './media-store.js';

/**
 * Keeps what a viewer needs of an instance the agent rendered: its image facts and, for a grey
 * image, the lossless rendition PNG. Nothing for a placeholder or for a message from an agent that
 * sends no facts. A repeat of the same instance changes nothing.
 */
export async function recordInstanceImage(
  tx: Tx,
  msg: StoredInstanceMessage,
  media: MediaStore,
): Promise<void> {
  const image = msg.image;
  if (!image || msg.media.placeholderReason !== null) return;
  const rendition = msg.media.rendition;
  // Content-addressed: writing again after a rolled-back attempt costs nothing and loses nothing.
  const renditionSha256 = rendition ? await media.put(Buffer.from(rendition.png, 'base64'), 'png') : null;
  await tx
    .insert(instanceImages)
    .values({
      sopInstanceUid: msg.sopInstanceUid,
      sha256: msg.sha256,
      columns: image.columns,
      rows: image.rows,
      numberOfFrames: image.numberOfFrames,
      photometricInterpretation: image.photometricInterpretation,
      pixelSpacingSource: image.pixelSpacingMm?.source ?? null,
      pixelSpacingRowMm: image.pixelSpacingMm?.row ?? null,
      pixelSpacingColumnMm: image.pixelSpacingMm?.column ?? null,
      rescaleSlope: image.rescaleSlope,
      rescaleIntercept: image.rescaleIntercept,
      windowsJson: JSON.stringify(image.windows),
      renditionSha256,
      renditionFormat: rendition?.format ?? null,
      renditionWidth: rendition?.width ?? null,
      renditionHeight: rendition?.height ?? null,
      renditionFrame: rendition?.frame ?? null,
      storedValueOffset: rendition?.storedValueOffset ?? null,
      invert: rendition?.invert ?? null,
      defaultWindowCenter: rendition?.defaultWindow.center ?? null,
      defaultWindowWidth: rendition?.defaultWindow.width ?? null,
      framePreviewCount: msg.media.framePreviews?.frames.length ?? null,
    })
    .onConflictDoNothing();
}

/** Stores frame preview JPEGs of a multi-frame object under their place in its announced list. */
export async function recordFramePreviews(
  tx: Tx,
  msg: InstanceFramesMessage,
  media: MediaStore,
): Promise<void> {
  const rows = [];
  for (const f of msg.frames) {
    rows.push({
      sopInstanceUid: msg.sopInstanceUid,
      sha256: msg.sha256,
      position: f.index,
      frameNumber: f.frame,
      jpegSha256: await media.put(Buffer.from(f.jpeg, 'base64'), 'jpg'),
    });
  }
  await tx.insert(instanceFramePreviews).values(rows).onConflictDoNothing();
}
