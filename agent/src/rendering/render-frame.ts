import sharp from 'sharp';
import type { DecodedFrame } from './pixel-decoding.js';
import type { ImageHeader } from './part10-image-reader.js';
import { encodeGrey16Png } from './grey16-png.js';
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
 * The lossless rendition of a grey frame: the preview's 16-bit samples as a PNG, so a viewer can
 * window the real values. PNG value − `storedValueOffset` is the stored value.
 */
export interface GreyRendition {
  png: Buffer;
  width: number;
  height: number;
  storedValueOffset: number;
  invert: boolean;
  /** The window the preview was drawn with, in modality values. */
  defaultWindow: Window;
}

export interface RenderedFrame extends RenderedImages {
  /** Null for colour frames, and when renditions are not wanted. */
  rendition: GreyRendition | null;
  /** The window a grey frame was drawn with; null for colour. Other frames of the object use it too. */
  window: Window | null;
}

/**
 * Thumbnail and preview JPEGs of one decoded frame and, for a grey frame, its lossless rendition.
 * Grey images are resized as raw 16-bit first and windowed afterwards, on at most a megapixel:
 * windowing a 10-megapixel radiograph at full size costs several times the whole budget. The
 * rendition is those same resized samples, so it shows exactly what the preview shows.
 */
export async function renderFrame(
  frame: DecodedFrame,
  header: ImageHeader,
  opts: { rendition: boolean } = { rendition: true },
): Promise<RenderedFrame> {
  if (frame.kind === 'rgb') {
    const preview = await rgbAt(frame, PREVIEW_EDGE);
    return { ...(await previewAndThumbnail(preview)), rendition: null, window: null };
  }
  const small = await greyAt(frame, PREVIEW_EDGE);
  const histogram = sampleHistogram(small.samples);
  const window = header.windows[0] ?? windowFromHistogram(histogram, toModality(header, frame.signed));
  const preview: RawImage = {
    pixels: displayGrey(small.samples, header, frame.signed, window, histogram),
    width: small.width,
    height: small.height,
    channels: 1,
  };
  // The PNG is deflated on libuv's pool while libvips encodes the JPEGs on its own threads.
  const [images, png] = await Promise.all([
    previewAndThumbnail(preview),
    opts.rendition ? encodeGrey16Png(small.samples, small.width, small.height) : null,
  ]);
  const rendition: GreyRendition | null = png && {
    png,
    width: small.width,
    height: small.height,
    storedValueOffset: frame.signed ? 32768 : 0,
    invert: header.photometricInterpretation === 'MONOCHROME1',
    defaultWindow: { center: window.center, width: window.width },
  };
  return { ...images, rendition, window };
}

/**
 * A smaller JPEG of one frame of a multi-frame object, for stepping through it. Grey frames are
 * drawn with the window of the frame the preview shows, so a loop does not flicker.
 */
export async function renderFramePreview(
  frame: DecodedFrame,
  header: ImageHeader,
  window: Window | null,
  edge: number,
): Promise<Buffer> {
  let image: RawImage;
  if (frame.kind === 'rgb') {
    image = await rgbAt(frame, edge);
  } else {
    const small = await greyAt(frame, edge);
    const histogram = sampleHistogram(small.samples);
    const w = window ?? windowFromHistogram(histogram, toModality(header, frame.signed));
    image = {
      pixels: displayGrey(small.samples, header, frame.signed, w, histogram),
      width: small.width,
      height: small.height,
      channels: 1,
    };
  }
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .jpeg({ quality: 75, optimiseCoding: false })
    .toBuffer();
}

async function previewAndThumbnail(preview: RawImage): Promise<RenderedImages> {
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

/** Stored sample (shifted by +32768 when signed) to modality value. */
function toModality(header: ImageHeader, signed: boolean): (stored: number) => number {
  const offset = signed ? 32768 : 0;
  return (stored) => (stored - offset) * header.rescaleSlope + header.rescaleIntercept;
}

/** Display grey through rescale, window and MONOCHROME1 inversion. */
function displayGrey(
  samples: Uint16Array,
  header: ImageHeader,
  signed: boolean,
  window: Window,
  histogram: { min: number; max: number },
): Buffer {
  const modality = toModality(header, signed);
  // A lookup table over the values present: one multiply per distinct value, not per pixel.
  const lut = new Uint8Array(65536);
  const invert = header.photometricInterpretation === 'MONOCHROME1';
  for (let v = histogram.min; v <= histogram.max; v++) {
    const grey = windowLevel(modality(v), window);
    lut[v] = invert ? 255 - grey : grey;
  }
  const pixels = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = lut[samples[i]!]!;
  return pixels;
}

/**
 * The frame's 16-bit samples with a long edge of at most `edge`. A frame that already fits (a CT
 * or MR slice, an ultrasound) is used as it is: a round trip through libvips would only copy it.
 * A larger one is resized in floating point and rounded once: libvips resizes 16-bit samples in
 * fixed point, which turned a region of 3000 into 2998 — the rendition promises stored values,
 * averaged by the downscale and nothing else.
 */
async function greyAt(
  frame: Extract<DecodedFrame, { kind: 'grey' }>,
  edge: number,
): Promise<{ samples: Uint16Array; width: number; height: number }> {
  if (frame.width <= edge && frame.height <= edge) return frame;
  const { data, info } = await sharp(Float32Array.from(frame.samples), {
    raw: { width: frame.width, height: frame.height, channels: 1 },
  })
    // libvips box-shrinks by the integer part first, so a linear kernel on the rest is enough and
    // is twice as fast as the default Lanczos on a 10-megapixel radiograph. A linear kernel also
    // never overshoots: every resized sample lies between the stored values it averages.
    .resize(edge, edge, { fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
    // Grey16 keeps one band and the values as they are (b-w would rescale them to 8 bits).
    .toColourspace('grey16')
    .raw({ depth: 'float' })
    .toBuffer({ resolveWithObject: true });
  const resized = new Float32Array(data.buffer, data.byteOffset, info.width * info.height);
  const samples = new Uint16Array(resized.length);
  for (let i = 0; i < resized.length; i++) samples[i] = Math.round(resized[i]!);
  return { samples, width: info.width, height: info.height };
}

async function rgbAt(frame: Extract<DecodedFrame, { kind: 'rgb' }>, edge: number): Promise<RawImage> {
  const { data, info } = await sharp(frame.samples, {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pixels: data, width: info.width, height: info.height, channels: 3 };
}
