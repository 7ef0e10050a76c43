import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { constants as zlib } from 'node:zlib';
import sharp from 'sharp';
import { createLogger } from '@lightbox/agent/log';
import { deliveryMessages } from '@lightbox/agent/delivery/delivery-messages';
import { frameMessages } from '@lightbox/agent/delivery/frame-messages';
import { storedInstanceFixture } from '@lightbox/agent/test-support/stored-instance';
import { encodeGrey16Png } from '@lightbox/agent/rendering/grey16-png';
import { RenderPool, type RenderResult } from '@lightbox/agent/rendering/render-pool';
import { renderInstance } from '@lightbox/agent/rendering/render-instance';
import { writeSyntheticImage } from '@lightbox/agent/test-support';
import { median, printTable, type BenchRow } from './bench-table.js';
import { medianRender, writeBenchRadiograph } from './bench-renders.js';

const RUNS = 9;

/**
 * What the lossless rendition costs: bytes over the link per DR (2800×3400) and CT (512²) instance
 * and per ultrasound loop, before (thumbnail and preview only) and after (with the rendition, or
 * the frame previews), and render time through the worker pool with and without it. The PNG
 * encoder is compared with libvips' own PNG writer (sharp) on the same rendition.
 */
export async function renditionBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-rendition-bench-'));
  const log = createLogger('error');
  const withRendition = new RenderPool({ size: 1, vipsThreads: 2, jobTimeoutMs: 60_000, log });
  const without = new RenderPool({ size: 1, vipsThreads: 2, jobTimeoutMs: 60_000, log, renditions: false });
  try {
    // The generator's high bits: its low bits repeat with short periods, a pattern deflate would
    // find and real noise does not have.
    let seed = 1;
    const noise = (spread: number) =>
      (((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) % (2 * spread)) - spread;
    // The render bench's radiograph: a gradient with structure and noise, 14 bits stored.
    const dr = await writeBenchRadiograph(dir, () => noise(100), { imagerPixelSpacing: [0.139, 0.139] });
    // A CT slice: padding outside the field of view, soft tissue, two lungs and a bone ring, with noise.
    const ct = await writeSyntheticImage(dir, 'ct', {
      rows: 512,
      columns: 512,
      bitsAllocated: 16,
      bitsStored: 16,
      signed: true,
      photometric: 'MONOCHROME2',
      pixel: (x, y) => {
        const r = Math.hypot(x - 256, y - 256);
        if (r > 250) return -2000;
        if (r > 200) return -1000 + noise(10) + 1024;
        if (r > 185) return 700 + noise(40) + 1024;
        if (Math.hypot((x - 180) / 50, (y - 240) / 90) < 1 || Math.hypot((x - 332) / 50, (y - 240) / 90) < 1)
          return -800 + noise(30) + 1024;
        return 40 + noise(20) + 1024;
      },
      rescale: { slope: 1, intercept: -1024 },
      windows: [{ center: 40, width: 400, explanation: 'SOFT TISSUE' }],
      pixelSpacing: [0.6, 0.6],
      modality: 'CT',
    });
    // An ultrasound loop: grey speckle in a sector on black, RGB as most consoles send it, 60 frames.
    const us = await writeSyntheticImage(dir, 'us', {
      rows: 600,
      columns: 800,
      frames: 60,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixel: (x, y, f) => {
        const inSector = y > 40 && Math.abs(x - 400) < (y - 40) * 0.7 && y < 560;
        const v = inSector ? Math.max(0, Math.min(255, 90 + noise(60) + ((x + y + f * 3) % 50))) : 0;
        return [v, v, v];
      },
      modality: 'US',
    });

    const time = (pool: RenderPool, file: string) => medianRender(pool, file, RUNS);
    const rows: BenchRow[] = [];
    for (const [name, file, target] of [
      ['2800×3400 DR', dr, '≤ 60'],
      ['512² CT', ct, 'reported'],
    ] as const) {
      const before = await time(without, file);
      const after = await time(withRendition, file);
      const bytesBefore = linkBytes(before.result);
      const bytesAfter = linkBytes(after.result);
      rows.push(
        row(`render ${name}, thumbnail + preview (ms)`, before.ms.toFixed(1), target, before.ms),
        row(`render ${name}, + lossless rendition (ms)`, after.ms.toFixed(1), target, after.ms),
        row(`link bytes per ${name}, thumbnail + preview (KB)`, kb(bytesBefore), 'reported'),
        row(
          `link bytes per ${name}, + rendition (KB)`,
          `${kb(bytesAfter)} (PNG ${kb(after.result.rendition!.png.length)}, ×${(bytesAfter / bytesBefore).toFixed(1)})`,
          'reported',
        ),
      );
    }
    const loop = await time(withRendition, us);
    const loopBefore = linkBytes(loop.result, { frames: false });
    const loopAfter = linkBytes(loop.result);
    rows.push(
      row('render 800×600 RGB US loop, 60 frames, with frame previews (ms)', loop.ms.toFixed(1), 'reported'),
      row('link bytes per US loop, thumbnail + preview (KB)', kb(loopBefore), 'reported'),
      row(
        'link bytes per US loop, + 60 frame previews ≤ 512 px (KB)',
        `${kb(loopAfter)} (${frameMessages('1.2', 'a'.repeat(64), loop.result.framePreviews).length} frame messages)`,
        'reported',
      ),
    );
    rows.push(...(await pngEncoders(dr, 'DR')), ...(await pngEncoders(ct, 'CT')));
    return rows;
  } finally {
    await withRendition.close();
    await without.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A rendition's PNG, written by the agent's encoder at four deflate levels and with Huffman coding
 * alone, and by libvips with its adaptive filter (every filter tried on every row) at two levels:
 * bytes and median time.
 */
async function pngEncoders(file: string, name: string): Promise<BenchRow[]> {
  const r = await renderInstance(file);
  const decoded = await sharp(r.rendition!.png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({
    resolveWithObject: true,
  });
  const { width, height } = decoded.info;
  const samples = new Uint16Array(decoded.data.buffer, decoded.data.byteOffset, width * height);
  const measure = async (encode: () => Promise<Buffer>) => {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      bytes = (await encode()).length;
      times.push(performance.now() - started);
    }
    return `${kb(bytes)} KB in ${median(times).toFixed(1)} ms`;
  };
  const rows: BenchRow[] = [];
  for (const level of [1, 2, 3, 6]) {
    rows.push(
      row(
        `${name} rendition PNG ${width}×${height}, Sub filter, deflate ${level}${level === 2 ? ' (used)' : ''}`,
        await measure(() => encodeGrey16Png(samples, width, height, { level })),
        'reported',
      ),
    );
  }
  rows.push(
    row(
      `${name} rendition PNG ${width}×${height}, Sub filter, Huffman coding only`,
      await measure(() => encodeGrey16Png(samples, width, height, { strategy: zlib.Z_HUFFMAN_ONLY })),
      'reported',
    ),
  );
  for (const level of [1, 6]) {
    rows.push(
      row(
        `${name} rendition PNG ${width}×${height}, libvips adaptive filter, level ${level}`,
        await measure(() =>
          sharp(samples, { raw: { width, height, channels: 1 } })
            .toColourspace('grey16')
            .png({ compressionLevel: level, adaptiveFiltering: true })
            .toBuffer(),
        ),
        'peer',
      ),
    );
  }
  return rows;
}

/** A stored radiograph's journal row: what the instance message carries beside the images. */
const ROW = storedInstanceFixture({ receivedAt: new Date().toISOString() });

/** The link frames an instance becomes, as the agent's outbox sends them, in bytes. */
function linkBytes(r: RenderResult, opts: { frames: boolean } = { frames: true }): number {
  const bodies = deliveryMessages(
    ROW,
    { ...r, framePreviews: opts.frames ? r.framePreviews : [] },
    () => undefined,
  );
  return bodies.reduce(
    (n, body, seq) =>
      n + Buffer.byteLength(`{"type":"msg","seq":${seq + 1000},"body":${JSON.stringify(body)}}`),
    0,
  );
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0);

function row(measure: string, value: string, target: string, ms?: number): BenchRow {
  const verdict =
    target.startsWith('≤') && ms !== undefined ? (ms <= Number(target.slice(2)) ? 'ok' : 'MISSED') : '';
  return { measure, median: value, runs: String(RUNS), target, verdict };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printTable(await renditionBench());
