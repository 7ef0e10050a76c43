/**
 * The VOI window of PS3.3 C.11.2.1.2 (the "LINEAR" function): modality values to display grey.
 * Given by the image, or — when absent — found in the pixel data, ignoring the extreme 0.5% at
 * each end so a collimator edge or a single hot pixel does not wash the image out.
 */
export interface Window {
  center: number;
  width: number;
}

/** 0..255 for a modality value. */
export function windowLevel(value: number, { center, width }: Window): number {
  const w = Math.max(1, width);
  const low = center - 0.5 - (w - 1) / 2;
  const high = center - 0.5 + (w - 1) / 2;
  if (value <= low) return 0;
  if (value > high) return 255;
  return Math.round(((value - (center - 0.5)) / (w - 1) + 0.5) * 255);
}

/** How often each 16-bit stored value occurs, with the smallest and largest present. */
export interface SampleHistogram {
  counts: Uint32Array;
  total: number;
  min: number;
  max: number;
}

export function sampleHistogram(samples: Uint16Array): SampleHistogram {
  const counts = new Uint32Array(65536);
  for (let i = 0; i < samples.length; i++) counts[samples[i]!]!++;
  let min = 0;
  while (min < 65535 && counts[min] === 0) min++;
  let max = 65535;
  while (max > min && counts[max] === 0) max--;
  return { counts, total: samples.length, min, max };
}

/**
 * A window covering the stored samples' range, from their histogram (one pass, no sort).
 * `toModality` maps a stored sample to its modality value (rescale, and the signed shift).
 */
export function windowFromHistogram(
  histogram: SampleHistogram,
  toModality: (stored: number) => number,
): Window {
  const tail = Math.floor(histogram.total * 0.005);
  const low = percentileFrom(histogram.counts, tail, 1);
  const high = percentileFrom(histogram.counts, tail, -1);
  const a = toModality(low);
  const b = toModality(high);
  const min = Math.min(a, b);
  const max = Math.max(a, b);
  if (max <= min) return { center: min + 0.5, width: 1 };
  return { center: (min + max) / 2 + 0.5, width: max - min + 1 };
}

function percentileFrom(histogram: Uint32Array, skip: number, direction: 1 | -1): number {
  let seen = 0;
  for (let i = direction === 1 ? 0 : 65535; i >= 0 && i <= 65535; i += direction) {
    seen += histogram[i]!;
    if (seen > skip) return i;
  }
  return direction === 1 ? 0 : 65535;
}
