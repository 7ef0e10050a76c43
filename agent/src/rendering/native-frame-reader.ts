import type { FileHandle } from 'node:fs/promises';
import type { ImageObject } from './part10-image-reader.js';
import { frameInFile, readPixelBytes } from './pixel-data-on-disk.js';

/**
 * One uncompressed frame read from disk, as an image object of that frame alone (frame index 0).
 * A 50 MB ultrasound cine loop is thumbnailed from its middle frame, under a megabyte: reading the
 * whole loop would cost its size in memory for every loop rendered at once.
 */
export async function readNativeFrame(
  handle: FileHandle,
  object: ImageObject,
  frame: number,
  /** A buffer of a frame's size to read into, reused frame after frame (a loop's frame previews). */
  into?: Buffer,
): Promise<ImageObject> {
  const { header } = object;
  const frameBytes = (header.rows * header.columns * header.samplesPerPixel * header.bitsAllocated) / 8;
  const position = frameInFile(object, frame, frameBytes);
  const bytes = into?.length === frameBytes ? into : Buffer.alloc(frameBytes);
  await readPixelBytes(handle, bytes, frameBytes, position);
  return {
    header: { ...header, numberOfFrames: 1 },
    pixelData: { kind: 'native', bytes },
    headerBytes: object.headerBytes,
    explicitVr: object.explicitVr,
  };
}
