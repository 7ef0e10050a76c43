import { open, type FileHandle } from 'node:fs/promises';
import type { InstanceImage, MAX_FRAME_PREVIEWS } from '@lightbox/protocol';
import { decodeFrame, type DecodedFrame } from './pixel-decoding.js';
import { coarseToFine, previewedFrames, representativeFrame } from './frame-extraction.js';
import { readImageObject, type ImageHeader, type ImageObject } from './part10-image-reader.js';
import { placeholderImages } from './placeholder-image.js';
import { renderFrame, renderFramePreview, type GreyRendition, type RenderedImages } from './render-frame.js';
import { readNativeFrame } from './native-frame-reader.js';
import { canShrinkWhileReading, LARGE_FILE_BYTES, readShrunkGreyFrame } from './shrinking-frame-reader.js';
import { readHeaderAttributes, type HeaderAttributes } from './header-attributes.js';
import type { Window } from './voi-window.js';

/** Enough for any header a modality writes before its pixel data. */
const HEAD_BYTES = 1024 * 1024;
/** Frame previews are for stepping through a loop beside the large preview: half its edge. */
export const FRAME_PREVIEW_EDGE = 512;
/**
 * The protocol's cap, spelled out because this module runs in a worker bundle that takes only
 * types from the protocol; the type keeps the two equal.
 */
const FRAME_PREVIEW_CAP: typeof MAX_FRAME_PREVIEWS = 120;

/** The header is extra: an odd element in it must not cost the thumbnail. */
function headerAttributesOf(headerBytes: Buffer, explicitVr: boolean): HeaderAttributes | null {
  try {
    return readHeaderAttributes(headerBytes, explicitVr);
  } catch {
    return null;
  }
}

export interface FramePreview {
  /** 0-based frame number. */
  frame: number;
  jpeg: Buffer;
}

export interface RenderOptions {
  /** The lossless grey rendition beside the preview. */
  rendition: boolean;
  /**
   * How long the frame previews of a multi-frame object may take, about: a loop whose frames are
   * slow to decode gets fewer of them (evenly spread), so the whole render stays inside its timeout.
   */
  framePreviewBudgetMs: number;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { rendition: true, framePreviewBudgetMs: 15_000 };

export interface InstanceRendering extends RenderedImages {
  /** Set when the image could not be drawn and the placeholder stands in; says why. */
  placeholderReason: string | null;
  frame: number | null;
  numberOfFrames: number | null;
  renderMs: number;
  /** Read from the header when it could be; empty when the file could not be parsed at all. */
  attributes: HeaderAttributes | null;
  /** What a viewer needs to know of the image; null for a placeholder. */
  image: InstanceImage | null;
  /** The lossless rendition of a grey image; null for colour, placeholders, or when not wanted. */
  rendition: GreyRendition | null;
  /** Previews of a multi-frame object's frames, in frame order; empty for a single frame. */
  framePreviews: FramePreview[];
}

/**
 * Thumbnail, preview, rendition and frame previews of one stored instance. Never throws for what
 * is in the file: an image that cannot be decoded gets the placeholder and its reason, so no record
 * is ever left without media. Only a failure to read the file at all is thrown — that is the
 * spool's problem, not the image's.
 */
export async function renderInstance(
  filePath: string,
  options: RenderOptions = DEFAULT_RENDER_OPTIONS,
): Promise<InstanceRendering> {
  const started = performance.now();
  const handle = await open(filePath, 'r');
  let numberOfFrames: number | null = null;
  let frame: number | null = null;
  let attributes: HeaderAttributes | null = null;
  try {
    const object = await readObject(handle);
    attributes = headerAttributesOf(object.headerBytes, object.explicitVr);
    numberOfFrames = object.header.numberOfFrames;
    frame = representativeFrame(numberOfFrames);
    const decoded = await decodeAt(handle, object, frame);
    const images = await renderFrame(decoded, object.header, { rendition: options.rendition });
    const framePreviews = await framePreviewsOf(handle, object, { frame, decoded }, images.window, {
      budgetMs: options.framePreviewBudgetMs,
    });
    return {
      thumbnail: images.thumbnail,
      preview: images.preview,
      previewWidth: images.previewWidth,
      previewHeight: images.previewHeight,
      placeholderReason: null,
      frame,
      numberOfFrames,
      renderMs: performance.now() - started,
      attributes,
      image: imageFacts(object.header),
      rendition: images.rendition,
      framePreviews,
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const images = await placeholderImages(reason);
    return {
      ...images,
      placeholderReason: reason,
      frame,
      numberOfFrames,
      renderMs: performance.now() - started,
      attributes,
      image: null,
      rendition: null,
      framePreviews: [],
    };
  } finally {
    await handle.close();
  }
}

function imageFacts(header: ImageHeader): InstanceImage {
  return {
    columns: header.columns,
    rows: header.rows,
    numberOfFrames: header.numberOfFrames,
    photometricInterpretation: header.photometricInterpretation.slice(0, 16),
    pixelSpacingMm: header.pixelSpacingMm,
    rescaleSlope: header.rescaleSlope,
    rescaleIntercept: header.rescaleIntercept,
    windows: header.windows,
  };
}

/**
 * One frame, decoded from the object in memory or read from disk (shrunk while read when large).
 * `into` is reused for frames read from disk whole; the frame decoded from it is used up before
 * the next is read.
 */
function decodeAt(
  handle: FileHandle,
  object: ImageObject,
  index: number,
  into?: Buffer,
): Promise<DecodedFrame> {
  if (!object.pixelDataInFile) return decodeFrame(object, index);
  if (canShrinkWhileReading(object)) return readShrunkGreyFrame(handle, object, index);
  return readNativeFrame(handle, object, index, into).then((one) => decodeFrame(one, 0));
}

/**
 * A preview JPEG per frame of a multi-frame object, up to FRAME_PREVIEW_CAP. Frames are rendered
 * coarse to fine until the budget is spent, so a slow loop (or a slow moment of the PC) gets fewer
 * frames that still span it, never a loop cut off half way. A frame that cannot be decoded (a loop
 * cut short) costs the frame previews, never the instance: the preview of the frame shown stands.
 */
async function framePreviewsOf(
  handle: FileHandle,
  object: ImageObject,
  shown: { frame: number; decoded: DecodedFrame },
  window: Window | null,
  opts: { budgetMs: number },
): Promise<FramePreview[]> {
  const { header } = object;
  const wanted = previewedFrames(header.numberOfFrames, FRAME_PREVIEW_CAP);
  if (wanted.length === 0) return [];
  try {
    const started = performance.now();
    const previews: FramePreview[] = [];
    // A 50 MB loop read frame by frame leaves one frame's buffer behind, not fifty.
    const { rows, columns, samplesPerPixel, bitsAllocated } = header;
    const frameBuffer = object.pixelDataInFile
      ? Buffer.alloc((rows * columns * samplesPerPixel * bitsAllocated) / 8)
      : undefined;
    for (const frame of coarseToFine(wanted)) {
      if (performance.now() - started >= opts.budgetMs) break;
      const decoded =
        frame === shown.frame ? shown.decoded : await decodeAt(handle, object, frame, frameBuffer);
      previews.push({ frame, jpeg: await renderFramePreview(decoded, header, window, FRAME_PREVIEW_EDGE) });
    }
    // One frame is no loop to step through.
    if (previews.length < 2) return [];
    return previews.sort((a, b) => a.frame - b.frame);
  } catch {
    return [];
  }
}

/**
 * The image object, read whole — or, for a large uncompressed image, only its head, its pixels
 * left on disk: a grey image that will be shrunk anyway is read in bands (`readShrunkGreyFrame`),
 * any other only for the frame shown (`readNativeFrame`).
 */
async function readObject(handle: FileHandle): Promise<ImageObject> {
  const { size } = await handle.stat();
  if (size > LARGE_FILE_BYTES) {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    let object: ImageObject | undefined;
    try {
      object = readImageObject(head.subarray(0, bytesRead), { head: true });
    } catch {
      // A header longer than the head, or something odd: the whole file says what it is.
    }
    if (object?.pixelDataInFile) return object;
  }
  // The reads above name their position, so this reads from the start.
  return readImageObject(await handle.readFile());
}
