import { asc, inArray } from 'drizzle-orm';
import type { PixelSpacingMm, VoiWindow } from '@lightbox/protocol';
import type { Db } from '../db/database.js';
import { instanceFramePreviews, instanceImages } from '../db/schema.js';
import type { MediaLinker } from './media-url.js';

type ImageRow = typeof instanceImages.$inferSelect;

/** The `image` of an instance in the study API: what a viewer windows, measures and steps through. */
export interface InstanceImageView {
  columns: number;
  rows: number;
  numberOfFrames: number;
  photometricInterpretation: string;
  pixelSpacingMm: PixelSpacingMm | null;
  rendition: {
    url: string;
    format: 'grey16' | 'rgb8';
    width: number;
    height: number;
    frame: number;
    storedValueOffset: number;
    rescaleSlope: number;
    rescaleIntercept: number;
    invert: boolean;
    windows: VoiWindow[];
    defaultWindow: { center: number; width: number };
  } | null;
  frameUrls: string[] | null;
}

const key = (sopInstanceUid: string, sha256: string) => `${sopInstanceUid} ${sha256}`;

/**
 * The image views of a study's instances, by SOP Instance UID and hash. An instance without a view
 * (a placeholder, a PDF, an image from an agent that sends no facts) has `image: null`.
 */
export async function instanceImageViews(
  db: Db,
  instances: { sopInstanceUid: string; sha256: string }[],
  link: MediaLinker,
): Promise<Map<string, InstanceImageView>> {
  const views = new Map<string, InstanceImageView>();
  const uids = [...new Set(instances.map((i) => i.sopInstanceUid))];
  const images: ImageRow[] = [];
  // SQLite caps the variables of one statement; a study of thousands of instances is read in slices.
  for (let i = 0; i < uids.length; i += 500) {
    images.push(
      ...(await db
        .select()
        .from(instanceImages)
        .where(inArray(instanceImages.sopInstanceUid, uids.slice(i, i + 500)))),
    );
  }
  const multiFrame = images.filter((r) => r.framePreviewCount !== null).map((r) => r.sopInstanceUid);
  const frames = new Map<string, string[]>();
  for (let i = 0; i < multiFrame.length; i += 500) {
    const rows = await db
      .select()
      .from(instanceFramePreviews)
      .where(inArray(instanceFramePreviews.sopInstanceUid, multiFrame.slice(i, i + 500)))
      .orderBy(asc(instanceFramePreviews.position));
    for (const f of rows) {
      const k = key(f.sopInstanceUid, f.sha256);
      const list = frames.get(k) ?? [];
      list.push(link(f.jpegSha256, 'jpg'));
      frames.set(k, list);
    }
  }
  for (const row of images) {
    const k = key(row.sopInstanceUid, row.sha256);
    views.set(k, viewOf(row, frames.get(k) ?? [], link));
  }
  return views;
}

export function imageViewKey(instance: { sopInstanceUid: string; sha256: string }): string {
  return key(instance.sopInstanceUid, instance.sha256);
}

function viewOf(row: ImageRow, frameUrls: string[], link: MediaLinker): InstanceImageView {
  const windows = JSON.parse(row.windowsJson) as VoiWindow[];
  return {
    columns: row.columns,
    rows: row.rows,
    numberOfFrames: row.numberOfFrames,
    photometricInterpretation: row.photometricInterpretation,
    pixelSpacingMm:
      row.pixelSpacingSource && row.pixelSpacingRowMm !== null && row.pixelSpacingColumnMm !== null
        ? {
            row: row.pixelSpacingRowMm,
            column: row.pixelSpacingColumnMm,
            source: row.pixelSpacingSource as PixelSpacingMm['source'],
          }
        : null,
    rendition: row.renditionSha256
      ? {
          url: link(row.renditionSha256, 'png'),
          format: row.renditionFormat as 'grey16' | 'rgb8',
          width: row.renditionWidth!,
          height: row.renditionHeight!,
          frame: row.renditionFrame!,
          storedValueOffset: row.storedValueOffset!,
          rescaleSlope: row.rescaleSlope,
          rescaleIntercept: row.rescaleIntercept,
          invert: row.invert!,
          windows,
          defaultWindow: { center: row.defaultWindowCenter!, width: row.defaultWindowWidth! },
        }
      : null,
    // Listed once every announced frame has arrived: a viewer never steps through half a loop.
    frameUrls:
      row.framePreviewCount !== null && frameUrls.length === row.framePreviewCount ? frameUrls : null,
  };
}
