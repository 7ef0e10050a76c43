import type { FileHandle } from 'node:fs/promises';
import { readUpTo } from '../disk/read-up-to.js';
import { ImageFormatError, type ImageObject } from './part10-image-reader.js';

/**
 * One uncompressed frame read from disk, as an image object of that frame alone (frame index 0).
 * A 50 MB ultrasound cine loop is thumbnailed from its middle frame, under a megabyte: reading the
 * whole loop would cost its size in memory for every loop rendered at once.
 */
export async function readNativeFrame(
  handle: FileHandle,
  object: ImageObject,
  frame: number,
): Promise<ImageObject> {
  const { header } = object;
  const where = object.pixelDataInFile;
  if (!where) throw new Error('readNativeFrame needs pixel data located in the file');
  const frameBytes = (header.rows * header.columns * header.samplesPerPixel * header.bitsAllocated) / 8;
  const frameStart = frameBytes * frame;
  if (!Number.isInteger(frameBytes) || frameStart + frameBytes > where.length) {
    throw new ImageFormatError(
      `Pixel Data holds ${where.length} bytes; frame ${frame + 1} needs ${frameStart + frameBytes}`,
    );
  }
  const bytes = Buffer.alloc(frameBytes);
  if ((await readUpTo(handle, bytes, frameBytes, where.offset + frameStart)) < frameBytes)
    throw new ImageFormatError('the file ends inside its pixel data');
  return {
    header: { ...header, numberOfFrames: 1 },
    pixelData: { kind: 'native', bytes },
    headerBytes: object.headerBytes,
    explicitVr: object.explicitVr,
  };
}
