import { RenderPool, type RenderResult } from '@lightbox/agent/rendering/render-pool';
import { writeSyntheticImage, type SyntheticImage } from '@lightbox/agent/test-support';
import { median } from './bench-table.js';

/**
 * The render benches' 2800×3400 radiograph: a smooth gradient with structure and the bench's own
 * `noise`, 14 bits stored.
 */
export function writeBenchRadiograph(
  dir: string,
  noise: () => number,
  extra: Partial<SyntheticImage> = {},
): Promise<string> {
  return writeSyntheticImage(dir, 'dr', {
    rows: 3400,
    columns: 2800,
    bitsAllocated: 16,
    bitsStored: 14,
    photometric: 'MONOCHROME2',
    pixel: (x, y) => Math.max(0, Math.min(16383, 2000 + ((x * 3 + y * 2) % 9000) + noise())),
    window: { center: 7000, width: 9000 },
    modality: 'DX',
    ...extra,
  });
}

/** The median of `runs` renders of `file` through the pool, and the last result. */
export async function medianRender(
  pool: RenderPool,
  file: string,
  runs: number,
): Promise<{ ms: number; result: RenderResult }> {
  let result = await pool.render(file); // warm-up: the first job loads the codecs in the worker
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = await pool.render(file);
    if (result.placeholderReason) throw new Error(`render failed: ${result.placeholderReason}`);
    times.push(performance.now() - started);
  }
  return { ms: median(times), result };
}
