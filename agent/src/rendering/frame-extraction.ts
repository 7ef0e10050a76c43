import { ImageFormatError, type ImageObject } from './part10-image-reader.js';

/**
 * The frame a thumbnail shows. For a cine loop the middle frame: the first frames of an
 * ultrasound clip are often the probe still settling, and the middle is what the sonographer
 * meant to keep.
 */
export function representativeFrame(numberOfFrames: number): number {
  return Math.floor((numberOfFrames - 1) / 2);
}

/**
 * Which frames of a multi-frame object get a preview to step through: all of them up to `cap`,
 * else `cap` frames spread evenly from the first to the last (frame i·(n−1)/(cap−1), rounded).
 */
export function previewedFrames(numberOfFrames: number, cap: number): number[] {
  if (numberOfFrames <= 1 || cap < 2) return [];
  if (numberOfFrames <= cap) return Array.from({ length: numberOfFrames }, (_, i) => i);
  return Array.from({ length: cap }, (_, i) => Math.round((i * (numberOfFrames - 1)) / (cap - 1)));
}

/**
 * The same frames in coarse-to-fine order — first, last, middle, then the quarters, the eighths… —
 * so that however many of them there is time to render, those rendered span the whole loop.
 */
export function coarseToFine(frames: readonly number[]): number[] {
  if (frames.length <= 2) return [...frames];
  const order = [0, frames.length - 1];
  const intervals: [number, number][] = [[0, frames.length - 1]];
  for (let i = 0; i < intervals.length; i++) {
    const [lo, hi] = intervals[i]!;
    if (hi - lo < 2) continue;
    const mid = Math.floor((lo + hi) / 2);
    order.push(mid);
    intervals.push([lo, mid], [mid, hi]);
  }
  return order.map((i) => frames[i]!);
}

/** The bytes of one uncompressed frame, as a view into the file. */
export function nativeFrame(object: ImageObject, index: number): Buffer {
  const { header, pixelData } = object;
  if (pixelData.kind !== 'native') throw new Error('nativeFrame needs native pixel data');
  const frameBytes = (header.rows * header.columns * header.samplesPerPixel * header.bitsAllocated) / 8;
  const start = frameBytes * index;
  if (!Number.isInteger(frameBytes) || start + frameBytes > pixelData.bytes.length) {
    throw new ImageFormatError(
      `Pixel Data holds ${pixelData.bytes.length} bytes; frame ${index + 1} needs ${start + frameBytes}`,
    );
  }
  return pixelData.bytes.subarray(start, start + frameBytes);
}

/**
 * The compressed bitstream of one frame. The Basic Offset Table is optional and often empty, so
 * frames are found by the offsets when given, else one fragment per frame, else by the start
 * markers of the codestreams.
 */
export function encodedFrame(object: ImageObject, index: number): Buffer {
  const { header, pixelData } = object;
  if (pixelData.kind !== 'encapsulated') throw new Error('encodedFrame needs encapsulated pixel data');
  const { fragments, offsets } = pixelData;
  const frames = header.numberOfFrames;
  if (fragments.length === 0) throw new ImageFormatError('encapsulated pixel data has no fragments');
  if (frames === 1) return fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
  if (offsets.length === frames) return byOffsets(fragments, offsets, index);
  if (fragments.length === frames) return fragments[index]!;
  const grouped = groupByStartMarkers(fragments);
  if (grouped.length === frames) return Buffer.concat(grouped[index]!);
  throw new ImageFormatError(
    `cannot tell ${frames} frames apart in ${fragments.length} fragments without an offset table`,
  );
}

function byOffsets(fragments: Buffer[], offsets: number[], index: number): Buffer {
  const start = offsets[index]!;
  const end = offsets[index + 1] ?? Number.POSITIVE_INFINITY;
  const parts: Buffer[] = [];
  let position = 0;
  for (const fragment of fragments) {
    if (position >= start && position < end) parts.push(fragment);
    position += 8 + fragment.length;
  }
  if (parts.length === 0) throw new ImageFormatError(`the offset table points frame ${index + 1} nowhere`);
  return Buffer.concat(parts);
}

function groupByStartMarkers(fragments: Buffer[]): Buffer[][] {
  const frames: Buffer[][] = [];
  for (const fragment of fragments) {
    if (startsCodestream(fragment) || frames.length === 0) frames.push([fragment]);
    else frames.at(-1)!.push(fragment);
  }
  return frames;
}

function startsCodestream(b: Buffer): boolean {
  if (b.length < 4) return false;
  // JPEG / JPEG-LS SOI, JPEG 2000 codestream SOC+SIZ, or a JP2 signature box.
  if (b[0] === 0xff && b[1] === 0xd8) return true;
  if (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) return true;
  return b.length >= 12 && b.readUInt32BE(0) === 12 && b.toString('latin1', 4, 8) === 'jP  ';
}
