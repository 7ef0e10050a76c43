import sharp from 'sharp';

/**
 * Facts about a rendered JPEG, measured by decoding it — independent of how it was rendered.
 * Regions are fractions of the image: { x0, y0, x1, y1 } in 0..1.
 */
export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

export async function decodeJpeg(jpeg: Buffer): Promise<Decoded> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

/** Mean of each channel over the region. */
export function meanOf(img: Decoded, r: Region): number[] {
  const sums = new Array<number>(img.channels).fill(0);
  let n = 0;
  for (let y = Math.floor(r.y0 * img.height); y < Math.ceil(r.y1 * img.height); y++) {
    for (let x = Math.floor(r.x0 * img.width); x < Math.ceil(r.x1 * img.width); x++) {
      const i = (y * img.width + x) * img.channels;
      for (let c = 0; c < img.channels; c++) sums[c]! += img.data[i + c]!;
      n++;
    }
  }
  return sums.map((s) => s / n);
}

/** The grey-level centroid of the pixels brighter than `threshold`, as fractions of the size. */
export function brightCentroid(img: Decoded, threshold: number): { x: number; y: number; count: number } {
  let sx = 0;
  let sy = 0;
  let count = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * img.channels]! > threshold) {
        sx += x;
        sy += y;
        count++;
      }
    }
  }
  return { x: (sx / count + 0.5) / img.width, y: (sy / count + 0.5) / img.height, count };
}

export const LEFT: Region = { x0: 0.05, y0: 0.1, x1: 0.4, y1: 0.9 };
export const RIGHT: Region = { x0: 0.6, y0: 0.1, x1: 0.95, y1: 0.9 };
