import type { FileHandle } from 'node:fs/promises';
import { readUpTo } from '../disk/read-up-to.js';
import { ImageFormatError, type ImageObject } from './part10-image-reader.js';

/**
 * Native pixel data left on disk by the reader (`pixelDataInFile`): where one frame of it starts in
 * the file, checked against what the Pixel Data element holds, so a frame beyond its end is refused
 * with the same words whichever reader asks.
 */
export function frameInFile(object: ImageObject, frame: number, frameBytes: number): number {
  const where = object.pixelDataInFile;
  if (!where) throw new Error('pixel data is not located in the file');
  const frameStart = frameBytes * frame;
  if (!Number.isInteger(frameBytes) || frameStart + frameBytes > where.length) {
    throw new ImageFormatError(
      `Pixel Data holds ${where.length} bytes; frame ${frame + 1} needs ${frameStart + frameBytes}`,
    );
  }
  return where.offset + frameStart;
}

/** Reads `length` bytes of pixel data at `position`; a file cut short is an image format error. */
export async function readPixelBytes(
  handle: FileHandle,
  into: Buffer,
  length: number,
  position: number,
): Promise<void> {
  if ((await readUpTo(handle, into, length, position)) < length)
    throw new ImageFormatError('the file ends inside its pixel data');
}
