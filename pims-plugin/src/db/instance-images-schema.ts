import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * What a viewer needs of an image beyond its JPEGs, as the agent read it: size, frames, how stored
 * values become modality values, the image's own windows, pixel spacing, and the lossless grey
 * rendition when there is one. Keyed by the instance's SOP Instance UID and content hash, like its
 * media: the same bytes have the same facts, and a replayed message changes nothing.
 */
export const instanceImages = sqliteTable(
  'instance_images',
  {
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sha256: text('sha256').notNull(),
    columns: integer('columns').notNull(),
    rows: integer('rows').notNull(),
    numberOfFrames: integer('number_of_frames').notNull(),
    photometricInterpretation: text('photometric_interpretation').notNull(),
    /** `PixelSpacing` or `ImagerPixelSpacing`; null with the two values when the image gives neither. */
    pixelSpacingSource: text('pixel_spacing_source'),
    pixelSpacingRowMm: real('pixel_spacing_row_mm'),
    pixelSpacingColumnMm: real('pixel_spacing_column_mm'),
    rescaleSlope: real('rescale_slope').notNull(),
    rescaleIntercept: real('rescale_intercept').notNull(),
    /** The image's VOI windows as JSON: `[{ center, width, explanation }]`. */
    windowsJson: text('windows_json').notNull(),
    /** The rendition PNG's media hash; null (with its other columns) when there is none. */
    renditionSha256: text('rendition_sha256'),
    renditionFormat: text('rendition_format'),
    renditionWidth: integer('rendition_width'),
    renditionHeight: integer('rendition_height'),
    renditionFrame: integer('rendition_frame'),
    storedValueOffset: integer('stored_value_offset'),
    invert: integer('invert', { mode: 'boolean' }),
    defaultWindowCenter: real('default_window_center'),
    defaultWindowWidth: real('default_window_width'),
    /** How many frame previews were announced; null for a single frame. */
    framePreviewCount: integer('frame_preview_count'),
  },
  (t) => [primaryKey({ columns: [t.sopInstanceUid, t.sha256] })],
);

/** A multi-frame object's frame previews, by their place in the announced list. */
export const instanceFramePreviews = sqliteTable(
  'instance_frame_previews',
  {
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sha256: text('sha256').notNull(),
    position: integer('position').notNull(),
    frameNumber: integer('frame_number').notNull(),
    jpegSha256: text('jpeg_sha256').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sopInstanceUid, t.sha256, t.position] })],
);
