import { z } from 'zod';

/** zod 4 numbers refuse Infinity and NaN already; named for what the fields promise. */
const finite = z.number();

/** A VOI window in modality values (PS3.3 C.11.2.1.2): what the image itself offers. */
export const voiWindow = z.object({
  center: finite,
  width: finite.refine((w) => w >= 1, 'a window is at least 1 wide'),
  /** Window Center & Width Explanation (0028,1055), e.g. "BONE"; null when not given. */
  explanation: z.string().max(64).nullable(),
});
export type VoiWindow = z.infer<typeof voiWindow>;

/**
 * Millimetres between pixel centres, row to row and column to column, and which attribute said so:
 * Pixel Spacing (0028,0030) is calibrated at the patient; Imager Pixel Spacing (0018,1164) is at the
 * detector, which for a projection radiograph includes the geometric magnification.
 */
export const pixelSpacingMm = z.object({
  row: z.number().positive(),
  column: z.number().positive(),
  source: z.enum(['PixelSpacing', 'ImagerPixelSpacing']),
});
export type PixelSpacingMm = z.infer<typeof pixelSpacingMm>;

/**
 * What a viewer needs to know of an image beyond its pictures: its size and frames, how stored
 * values become modality values (Hounsfield units for CT), the windows it carries, and how large a
 * pixel is. Read by the agent from the stored object's header.
 */
export const instanceImage = z.object({
  columns: z.number().int().min(1).max(65535),
  rows: z.number().int().min(1).max(65535),
  numberOfFrames: z.number().int().min(1),
  photometricInterpretation: z.string().max(16),
  pixelSpacingMm: pixelSpacingMm.nullable(),
  rescaleSlope: finite,
  rescaleIntercept: finite,
  windows: z.array(voiWindow).max(32),
});
export type InstanceImage = z.infer<typeof instanceImage>;

/**
 * A lossless picture of one grey frame at the preview's size, for windowing on the real values:
 * a 16-bit greyscale PNG whose value minus `storedValueOffset` is the stored pixel value (averaged
 * only where the frame was shrunk to fit). Modality value = stored × slope + intercept.
 */
export const imageRendition = z.object({
  /** Base64 of the PNG. At most 1024 × 1024 16-bit samples, stored uncompressed if need be. */
  png: z.base64().max(2_850_000),
  format: z.literal('grey16'),
  width: z.number().int().min(1).max(1024),
  height: z.number().int().min(1).max(1024),
  /** The frame shown (0-based): the middle one of a multi-frame object. */
  frame: z.number().int().nonnegative(),
  storedValueOffset: z.number().int().min(0).max(65535),
  /** MONOCHROME1: the lowest values are white. */
  invert: z.boolean(),
  /** The window the preview JPEG was drawn with, in modality values. */
  defaultWindow: z.object({ center: finite, width: finite.refine((w) => w >= 1) }),
});
export type ImageRendition = z.infer<typeof imageRendition>;

/** The most frame previews one multi-frame object gets; longer loops are sampled evenly. */
export const MAX_FRAME_PREVIEWS = 120;

/**
 * The frame previews of a multi-frame object, announced with the instance: `frames[i]` is the
 * 0-based frame number of the i-th preview. The JPEGs follow in `instance.frames` messages.
 */
export const framePreviewList = z.object({
  frames: z.array(z.number().int().nonnegative()).min(1).max(MAX_FRAME_PREVIEWS),
});
export type FramePreviewList = z.infer<typeof framePreviewList>;
