import { open, type FileHandle } from 'node:fs/promises';
import { decodeFrame } from './pixel-decoding.js';
import { representativeFrame } from './frame-extraction.js';
import { readImageObject, type ImageObject } from './part10-image-reader.js';
import { placeholderImages } from './placeholder-image.js';
import { renderFrame, type RenderedImages } from './render-frame.js';
import { readNativeFrame } from './native-frame-reader.js';
import { canShrinkWhileReading, LARGE_FILE_BYTES, readShrunkGreyFrame } from './shrinking-frame-reader.js';
import { readHeaderAttributes, type HeaderAttributes } from './header-attributes.js';

/** Enough for any header a modality writes before its pixel data. */
const HEAD_BYTES = 1024 * 1024;

/** The header is extra: an odd element in it must not cost the thumbnail. */
function headerAttributesOf(headerBytes: Buffer, explicitVr: boolean): HeaderAttributes | null {
  try {
    return readHeaderAttributes(headerBytes, explicitVr);
  } catch {
    return null;
  }
}

export interface InstanceRendering extends RenderedImages {
  /** Set when the image could not be drawn and the placeholder stands in; says why. */
  placeholderReason: string | null;
  frame: number | null;
  numberOfFrames: number | null;
  renderMs: number;
  /** Read from the header when it could be; empty when the file could not be parsed at all. */
  attributes: HeaderAttributes | null;
}

/**
 * Thumbnail and preview of one stored instance. Never throws for what is in the file: an image
 * that cannot be decoded gets the placeholder and its reason, so no record is ever left without
 * media. Only a failure to read the file at all is thrown — that is the spool's problem, not the
 * image's.
 */
export async function renderInstance(filePath: string): Promise<InstanceRendering> {
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
    const decoded = !object.pixelDataInFile
      ? await decodeFrame(object, frame)
      : canShrinkWhileReading(object)
        ? await readShrunkGreyFrame(handle, object, frame)
        : await decodeFrame(await readNativeFrame(handle, object, frame), 0);
    const images = await renderFrame(decoded, object.header);
    return {
      ...images,
      placeholderReason: null,
      frame,
      numberOfFrames,
      renderMs: performance.now() - started,
      attributes,
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
    };
  } finally {
    await handle.close();
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
