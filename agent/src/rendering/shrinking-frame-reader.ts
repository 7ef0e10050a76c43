import type { FileHandle } from 'node:fs/promises';
import type { ImageHeader, ImageObject } from './part10-image-reader.js';
import { frameInFile, readPixelBytes } from './pixel-data-on-disk.js';
import { greySamples, type DecodedFrame } from './pixel-decoding.js';
import { PREVIEW_EDGE } from './render-frame.js';

/** Below this many bytes a file is simply read whole. */
export const LARGE_FILE_BYTES = 8 * 1024 * 1024;
/** Output rows made per disk read: the read is this many times the shrink factor in rows. */
const OUTPUT_ROWS_PER_READ = 16;

/**
 * The integer factor by which a grey frame can be shrunk while read and still be at least a
 * preview on its long side.
 */
function shrinkFactor(header: ImageHeader): number {
  return Math.floor(Math.max(header.rows, header.columns) / PREVIEW_EDGE);
}

/**
 * True for the frames `readShrunkGreyFrame` reads: uncompressed grey, on disk, 8 or 16 bits, and at
 * least twice a preview's size (below that shrinking while reading gains nothing).
 */
export function canShrinkWhileReading(object: ImageObject): boolean {
  const { header } = object;
  return (
    object.pixelDataInFile !== undefined &&
    header.samplesPerPixel === 1 &&
    (header.bitsAllocated === 8 || header.bitsAllocated === 16) &&
    header.photometricInterpretation.startsWith('MONOCHROME') &&
    shrinkFactor(header) >= 2
  );
}

/**
 * One grey frame, box-shrunk by an integer factor as it is read from disk a band of rows at a time. A 50 MB
 * radiograph never sits in memory whole: the renderer holds two bands and the shrunk frame, a few
 * megabytes, however many large objects arrive at once. Box averaging is what libvips' own shrink
 * does before its final resize, so the preview looks the same.
 */
export async function readShrunkGreyFrame(
  handle: FileHandle,
  object: ImageObject,
  frame: number,
): Promise<Extract<DecodedFrame, { kind: 'grey' }>> {
  const { header } = object;
  const factor = shrinkFactor(header);
  const { rows, columns, bitsAllocated } = header;
  const rowBytes = (columns * bitsAllocated) / 8;
  const framePosition = frameInFile(object, frame, rowBytes * rows);
  const width = Math.floor(columns / factor);
  const height = Math.floor(rows / factor);
  const out = new Uint16Array(width * height);
  const rowsPerRead = factor * OUTPUT_ROWS_PER_READ;
  // Two bands: the next is read from disk while the current one is shrunk.
  const bands = [Buffer.alloc(rowsPerRead * rowBytes), Buffer.alloc(rowsPerRead * rowBytes)] as const;
  const shrink = { factor, columns, width, out };
  const stored = Math.min(16, Math.max(1, header.bitsStored));
  const readBand = (outY: number): Promise<Buffer> | undefined => {
    if (outY >= height) return undefined;
    const band = bands[(outY / OUTPUT_ROWS_PER_READ) % 2]!;
    const bytes = Math.min(OUTPUT_ROWS_PER_READ, height - outY) * factor * rowBytes;
    const position = framePosition + outY * factor * rowBytes;
    const read = readPixelBytes(handle, band, bytes, position).then(() => band.subarray(0, bytes));
    // Awaited in the next round; marked handled now so that a failure while this round still
    // shrinks is not an unhandled rejection.
    read.catch(() => undefined);
    return read;
  };
  let next = readBand(0);
  for (let outY = 0; next; outY += OUTPUT_ROWS_PER_READ) {
    const view = await next;
    next = readBand(outY + OUTPUT_ROWS_PER_READ);
    const outRows = Math.min(OUTPUT_ROWS_PER_READ, height - outY);
    const bytes = view.length;
    if (bitsAllocated === 16 && header.pixelRepresentation === 1) {
      const samples = new Int16Array(view.buffer, view.byteOffset, bytes >> 1);
      shrinkSigned(samples, stored, outY, outRows, shrink);
    } else {
      // 8-bit bands are widened (and shifted when signed) the way whole frames are.
      const samples =
        bitsAllocated === 16
          ? new Uint16Array(view.buffer, view.byteOffset, bytes >> 1)
          : greySamples(view, 8, header.bitsStored, header.pixelRepresentation).samples;
      shrinkUnsigned(samples, bitsAllocated === 16 ? stored : 16, outY, outRows, shrink);
    }
  }
  return { kind: 'grey', width, height, samples: out, signed: header.pixelRepresentation === 1 };
}

interface Shrink {
  factor: number;
  columns: number;
  width: number;
  out: Uint16Array;
}

/*
 * One loop per sample type: a loop that sees Uint16Array and Int16Array alike runs several times
 * slower, and this one runs ten million times per radiograph.
 */
function shrinkUnsigned(
  samples: Uint16Array,
  stored: number,
  outY: number,
  outRows: number,
  s: Shrink,
): void {
  const { factor, columns, width, out } = s;
  const mask = stored === 16 ? 0xffff : (1 << stored) - 1;
  const area = factor * factor;
  const sums = new Float64Array(width);
  for (let r = 0; r < outRows; r++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let x = (r * factor + dy) * columns;
      for (let ox = 0; ox < width; ox++) {
        let acc = 0;
        for (let dx = 0; dx < factor; dx++) acc += samples[x++]! & mask;
        sums[ox]! += acc;
      }
    }
    const at = (outY + r) * width;
    for (let ox = 0; ox < width; ox++) out[at + ox] = Math.round(sums[ox]! / area);
  }
}

/** Signed samples are averaged as they are and shifted by +32768 afterwards, as whole frames are. */
function shrinkSigned(samples: Int16Array, stored: number, outY: number, outRows: number, s: Shrink): void {
  const { factor, columns, width, out } = s;
  const mask = stored === 16 ? 0xffff : (1 << stored) - 1;
  const shift = 32 - stored;
  const area = factor * factor;
  const sums = new Float64Array(width);
  for (let r = 0; r < outRows; r++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let x = (r * factor + dy) * columns;
      for (let ox = 0; ox < width; ox++) {
        let acc = 0;
        for (let dx = 0; dx < factor; dx++) acc += ((samples[x++]! & mask) << shift) >> shift;
        sums[ox]! += acc;
      }
    }
    const at = (outY + r) * width;
    for (let ox = 0; ox < width; ox++) out[at + ox] = Math.round(sums[ox]! / area) + 32768;
  }
}
