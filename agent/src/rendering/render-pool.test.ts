import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { RenderPool } from './render-pool.js';
import { LEFT, RIGHT, decodeJpeg, meanOf } from './test-support/image-facts.js';
import { uniformGrey, writeSyntheticImage } from './test-support/synthetic-images.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-pool-'));
const log = createLogger('error', { proc: 'test' });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the render pool (real worker threads)', () => {
  it('renders many images concurrently off the main thread, each with its own result', async () => {
    const pool = new RenderPool({ size: 2, vipsThreads: 1, jobTimeoutMs: 30_000, log });
    try {
      const files = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          writeSyntheticImage(dir, `img-${i}`, {
            rows: 200,
            columns: 300,
            bitsAllocated: 16,
            photometric: i % 2 === 0 ? 'MONOCHROME2' : 'MONOCHROME1',
            pixel: (x) => (x < 150 ? 100 : 4000),
          }),
        ),
      );
      const results = await Promise.all(files.map((f) => pool.render(f)));
      for (const [i, r] of results.entries()) {
        expect(r.placeholderReason).toBeNull();
        const thumb = await decodeJpeg(r.thumbnail);
        const [left] = meanOf(thumb, LEFT);
        const [right] = meanOf(thumb, RIGHT);
        // Even images are MONOCHROME2 (left dark), odd ones MONOCHROME1 (left bright): no mix-ups.
        if (i % 2 === 0) expect(left! < 20 && right! > 235).toBe(true);
        else expect(left! > 235 && right! < 20).toBe(true);
      }
      expect(pool.queueDepth).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('answers a placeholder for a bad file and a failure for a missing one, and keeps working', async () => {
    const pool = new RenderPool({ size: 1, vipsThreads: 1, jobTimeoutMs: 30_000, log });
    try {
      const bad = path.join(dir, 'bad.dcm');
      await writeFile(bad, 'not dicom');
      expect((await pool.render(bad)).placeholderReason).toMatch(/DICM/);
      await expect(pool.render(path.join(dir, 'missing.dcm'))).rejects.toThrow(/ENOENT/);
      const good = await writeSyntheticImage(dir, 'after', uniformGrey(10, 10, 8, 7));
      expect((await pool.render(good)).placeholderReason).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('replaces a worker that takes too long and fails only that job', async () => {
    const pool = new RenderPool({ size: 1, vipsThreads: 1, jobTimeoutMs: 1, log });
    try {
      // Any real render takes more than a millisecond; a larger image only costs the test time.
      const big = await writeSyntheticImage(dir, 'big', {
        rows: 512,
        columns: 512,
        bitsAllocated: 16,
        photometric: 'MONOCHROME2',
        pixel: (x, y) => (x * y) & 0xfff,
      });
      await expect(pool.render(big)).rejects.toThrow(/took longer than 1 ms/);
    } finally {
      await pool.close();
    }
    const healthy = new RenderPool({ size: 1, vipsThreads: 1, jobTimeoutMs: 30_000, log });
    try {
      const small = await writeSyntheticImage(dir, 'small', uniformGrey(10, 10, 8, 7));
      expect((await healthy.render(small)).placeholderReason).toBeNull();
    } finally {
      await healthy.close();
    }
  });
});
