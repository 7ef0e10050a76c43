import sharp from 'sharp';
import type { DecodedFrame } from './pixel-decoding.js';
import type { ImageHeader } from './part10-image-reader.js';
import { sampleHistogram, windowFromHistogram, windowLevel, type Window } from './voi-window.js';

export const THUMBNAIL_EDGE = 256;
export const PREVIEW_EDGE = 1024;

export interface RenderedImages {
  thumbnail: Buffer;
  preview: Buffer;
  previewWidth: number;
  previewHeight: number;
}

/**
 * Thumbnail and preview JPEGs of one decoded frame. Grey images are resized as raw 16-bit first
 * and windowed afterwards, on at most a megapixel: windowing a 10-megapixel radiograph at full
 * size costs several times the whole budget.
 */
export async function renderFrame(frame: DecodedFrame, header: ImageHeader): Promise<RenderedImages> {
  const preview = frame.kind === 'grey' ? await greyPreview(frame, header) : await rgbPreview(frame);
  const raw = { raw: { width: preview.width, height: preview.height, channels: preview.channels } };
  // Huffman tables tuned per image save a few percent of a small JPEG for a quarter of its
  // encoding time; a two-step downscale of an already smooth preview needs no Lanczos.
  const [previewJpeg, thumbnail] = await Promise.all([
    sharp(preview.pixels, raw).jpeg({ quality: 85, optimiseCoding: false }).toBuffer(),
    sharp(preview.pixels, raw)
      .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
      .jpeg({ quality: 80, optimiseCoding: false })
      .toBuffer(),
  ]);
  return { thumbnail, preview: previewJpeg, previewWidth: preview.width, previewHeight: preview.height };
}

interface RawImage {
  pixels: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

async function greyPreview(
  frame: Extract<DecodedFrame, { kind: 'grey' }>,
  header: ImageHeader,
): Promise<RawImage> {
  const small = await previewSamples(frame);
  const offset = frame.signed ? 32768 : 0;
  const toModality = (stored: number): number =>
    (stored - offset) * header.rescaleSlope + header.rescaleIntercept;
  const histogram = sampleHistogram(small.samples);
  const window: Window =
    header.windowCenter !== undefined && header.windowWidth !== undefined && header.windowWidth >= 1
      ? { center: header.windowCenter, width: header.windowWidth }
      : windowFromHistogram(histogram, toModality);
  // A lookup table over the values present: one multiply per distinct value, not per pixel.
  const lut = new Uint8Array(65536);
  const invert = header.photometricInterpretation === 'MONOCHROME1';
  for (let v = histogram.min; v <= histogram.max; v++) {
    const grey = windowLevel(toModality(v), window);
    lut[v] = invert ? 255 - grey : grey;
  }
  const pixels = Buffer.allocUnsafe(small.samples.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = lut[small.samples[i]!]!;
  return { pixels, width: small.width, height: small.height, channels: 1 };
}

/**
 * The frame's 16-bit samples at preview size. A frame that already fits (a CT or MR slice, an
 * ultrasound) is used as it is: a round trip through libvips would only copy it.
 */
async function previewSamples(
  frame: Extract<DecodedFrame, { kind: 'grey' }>,
): Promise<{ samples: Uint16Array; width: number; height: number }> {
  if (frame.width <= PREVIEW_EDGE && frame.height <= PREVIEW_EDGE) return frame;
  const { data, info } = await sharp(frame.samples, {
    raw: { width: frame.width, height: frame.height, channels: 1 },
  })
    // libvips box-shrinks by the integer part first, so a linear kernel on the rest is enough and
    // is twice as fast as the default Lanczos on a 10-megapixel radiograph.
    .resize(PREVIEW_EDGE, PREVIEW_EDGE, { fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  return {
    samples: new Uint16Array(data.buffer, data.byteOffset, info.width * info.height),
    width: info.width,
    height: info.height,
  };
}

async function rgbPreview(frame: Extract<DecodedFrame, { kind: 'rgb' }>): Promise<RawImage> {
  const { data, info } = await sharp(frame.samples, {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .resize(PREVIEW_EDGE, PREVIEW_EDGE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pixels: data, width: info.width, height: info.height, channels: 3 };
}
