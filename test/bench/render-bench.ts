import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import codecs from 'dcmjs-codecs';
import { createLogger } from '@lightbox/agent/log';
import { initializeCodecs } from '@lightbox/agent/rendering/pixel-decoding';
import { RenderPool } from '@lightbox/agent/rendering/render-pool';
import { compressWithDcmtk, writeSyntheticImage } from '@lightbox/agent/test-support';
import type { BenchRow } from './bench-table.js';
import { medianRender, writeBenchRadiograph } from './bench-renders.js';

const RUNS = 9;

/**
 * Render time per image, through the worker pool as the agent uses it: a 2800×3400 16-bit
 * radiograph uncompressed (target ≤ 60 ms median), and the same image JPEG-LS and JPEG 2000
 * compressed (reported; JPEG 2000 decoding dominates); an ultrasound cine loop (reported: read a
 * frame at a time, for its preview and its 52 frame previews). Grey images include their lossless
 * rendition; rendition-bench.ts compares with and without.
 */
export async function renderBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-render-bench-'));
  const pool = new RenderPool({ size: 1, vipsThreads: 2, jobTimeoutMs: 60_000, log: createLogger('error') });
  try {
    // Anatomy-like content: a smooth gradient with structure and noise, 14 bits stored.
    let seed = 1;
    const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 200) - 100;
    const dr = await writeBenchRadiograph(dir, noise);
    const cine = await writeSyntheticImage(dir, 'us-cine', {
      rows: 480,
      columns: 640,
      frames: 52,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixel: (x, y, f) => [(x + f) % 256, (y + f) % 256, 128],
      modality: 'US',
    });
    const jpegLs = await compressWithDcmtk(dr, 'jpegLsLossless');
    await initializeCodecs();
    const bytes = await readFile(dr);
    const transcoder = new codecs.Transcoder(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    transcoder.transcode(codecs.constants.TransferSyntax.Jpeg2000Lossless);
    const j2k = path.join(dir, 'dr-j2k.dcm');
    await writeFile(j2k, Buffer.from(transcoder.getDicomPart10()));

    const measure = async (file: string, runs: number): Promise<number> =>
      (await medianRender(pool, file, runs)).ms;
    const drMs = await measure(dr, RUNS);
    const jlsMs = await measure(jpegLs, 5);
    const j2kMs = await measure(j2k, 3);
    const cineMs = await measure(cine, RUNS);
    return [
      {
        measure: 'render 2800×3400 DR, uncompressed (ms)',
        median: drMs.toFixed(1),
        runs: String(RUNS),
        target: '≤ 60',
        verdict: drMs <= 60 ? 'ok' : 'MISSED',
      },
      {
        measure: 'render 2800×3400 DR, JPEG-LS (ms)',
        median: jlsMs.toFixed(1),
        runs: '5',
        target: 'reported',
        verdict: '',
      },
      {
        measure: 'render 2800×3400 DR, JPEG 2000 (ms)',
        median: j2kMs.toFixed(1),
        runs: '3',
        target: 'reported',
        verdict: '',
      },
      {
        measure: 'render 640×480 RGB US cine, 52 frames, 48 MB, with frame previews (ms)',
        median: cineMs.toFixed(1),
        runs: String(RUNS),
        target: 'reported',
        verdict: '',
      },
    ];
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
