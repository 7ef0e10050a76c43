/**
 * Window/level as DICOM defines it (PS3.3 C.11.2.1.2.1, the linear function), applied to the
 * rendition's samples: sample − offset = stored value, × slope + intercept = modality value (HU
 * for CT), then the window gives the grey. One lookup table over every possible sample is built
 * per window (65,536 entries), so a drag redraws a 1024² image with one table read per pixel.
 */
export interface Rendition {
  storedValueOffset: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  invert: boolean;
}

export interface Window {
  center: number;
  width: number;
}

/** The displayed grey (0–255) of a modality value under the window. */
export function voiGrey(value: number, w: Window): number {
  const width = Math.max(1, w.width);
  const low = w.center - 0.5 - (width - 1) / 2;
  const high = w.center - 0.5 + (width - 1) / 2;
  if (value <= low) return 0;
  if (value > high) return 255;
  return Math.round(((value - (w.center - 0.5)) / (width - 1) + 0.5) * 255);
}

/** RGBA pixels (little-endian Uint32, opaque grey) for every PNG sample value. */
export function greyTable(r: Rendition, w: Window): Uint32Array {
  const table = new Uint32Array(65536);
  for (let p = 0; p < 65536; p++) {
    const value = (p - r.storedValueOffset) * r.rescaleSlope + r.rescaleIntercept;
    let g = voiGrey(value, w);
    if (r.invert) g = 255 - g;
    table[p] = 0xff000000 | (g << 16) | (g << 8) | g;
  }
  return table;
}

export function applyTable(samples: Uint16Array, table: Uint32Array, out: Uint32Array): void {
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i]!]!;
}

/** The usual CT presets, in Hounsfield units. */
export const HOUNSFIELD_PRESETS: { name: string; window: Window }[] = [
  { name: 'Lung', window: { center: -600, width: 1500 } },
  { name: 'Soft tissue', window: { center: 40, width: 400 } },
  { name: 'Bone', window: { center: 400, width: 1800 } },
];
