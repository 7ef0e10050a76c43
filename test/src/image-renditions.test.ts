import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressWithDcmtk, writeSyntheticImage } from '@lightbox/agent/test-support';
import { radiographSpec, SOP, writeImage } from './fixtures/storage-corpus.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { storescu } from './support/storage-peers.js';

/**
 * What a viewer gets to window, measure and step through: images sent by DCMTK's storescu to a
 * real agent, rendered there, carried over the link to a real plugin, read back through
 * GET /v1/studies/{id}, and the rendition and frame URLs fetched and decoded.
 */
const stack = new LightboxStack();
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-renditions-'));
const STUDY = `2.25.${Date.now()}${process.pid}`;

beforeAll(() => stack.startAll());
afterAll(async () => {
  await stack.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface ImageView {
  columns: number;
  rows: number;
  numberOfFrames: number;
  photometricInterpretation: string;
  pixelSpacingMm: { row: number; column: number; source: string } | null;
  rendition: {
    url: string;
    format: string;
    width: number;
    height: number;
    frame: number;
    storedValueOffset: number;
    rescaleSlope: number;
    rescaleIntercept: number;
    invert: boolean;
    windows: { center: number; width: number; explanation: string | null }[];
    defaultWindow: { center: number; width: number };
  } | null;
  frameUrls: string[] | null;
}
interface InstanceView {
  sopInstanceUid: string;
  placeholderReason: string | null;
  image: ImageView | null;
}

async function studyInstances(): Promise<InstanceView[]> {
  const list = (await (await stack.api('GET', '/v1/studies?status=unmatched')).json()) as {
    items: { studyId: string; studyInstanceUid: string }[];
  };
  const study = list.items.find((s) => s.studyInstanceUid === STUDY);
  if (!study) return [];
  const view = (await (await stack.api('GET', `/v1/studies/${study.studyId}`)).json()) as {
    series: { instances: InstanceView[] }[];
  };
  return view.series.flatMap((s) => s.instances);
}

/** The PNG as a browser's decoder would read it: one 16-bit channel. */
async function fetchPng(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  const png = Buffer.from(await res.arrayBuffer());
  expect(await sharp(png).metadata()).toMatchObject({ channels: 1, depth: 'ushort' });
  const { data, info } = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({
    resolveWithObject: true,
  });
  return {
    width: info.width,
    height: info.height,
    at: (x: number, y: number) => data.readUInt16LE((y * info.width + x) * 2),
  };
}

const quadrant = (values: number[], columns: number, rows: number) => (x: number, y: number) =>
  values[(y < rows / 2 ? 0 : 2) + (x < columns / 2 ? 0 : 1)]!;
const identity = (sopInstanceUid: string) => ({
  studyInstanceUid: STUDY,
  sopInstanceUid,
  patientId: 'P-VIEW',
});

describe('renditions and frames through storescu, the agent, the link and the study API', () => {
  it('a DR, a CT slice, an ultrasound loop and an undecodable image', async () => {
    // The storage tests' 2800 × 3400 radiograph: a gradient with a marker at its brightest value.
    const dr = await writeImage(dir, {
      ...radiographSpec('dr'),
      studyInstanceUid: STUDY,
      sopInstanceUid: `${STUDY}.1`,
      patientId: 'P-VIEW',
    });
    const dxValues = [100, 1500, 2900, 4095];
    const dx = await writeSyntheticImage(dir, 'dx-mono1', {
      rows: 160,
      columns: 200,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME1',
      pixel: quadrant(dxValues, 200, 160),
      window: { center: 2048, width: 4096 },
      imagerPixelSpacing: [0.1, 0.1],
      sopClassUid: SOP.dx,
      modality: 'DX',
      identity: identity(`${STUDY}.2`),
    });
    const ctValues = [-2000, -1024, 40, 3000];
    const ct = await writeSyntheticImage(dir, 'ct', {
      rows: 128,
      columns: 128,
      bitsAllocated: 16,
      bitsStored: 16,
      signed: true,
      photometric: 'MONOCHROME2',
      pixel: quadrant(ctValues, 128, 128),
      rescale: { slope: 1, intercept: -1024 },
      windows: [
        { center: 40, width: 400, explanation: 'SOFT TISSUE' },
        { center: 500, width: 2000, explanation: 'BONE' },
      ],
      pixelSpacing: [0.5, 0.5],
      sopClassUid: SOP.ct,
      modality: 'CT',
      identity: identity(`${STUDY}.3`),
    });
    // Twelve frames, each a grey level of its own, sent as RGB as consoles do.
    const levels = Array.from({ length: 12 }, (_, f) => 20 + f * 20);
    const loop = await writeSyntheticImage(dir, 'us-loop', {
      rows: 600,
      columns: 800,
      frames: 12,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixel: (_x, _y, f) => [levels[f]!, levels[f]!, levels[f]!],
      sopClassUid: SOP.usMultiframe,
      modality: 'US',
      identity: identity(`${STUDY}.4`),
    });
    // A JPEG-LS object whose codestream is overwritten: stored and filed, never drawn.
    const source = await writeSyntheticImage(dir, 'broken', {
      rows: 60,
      columns: 80,
      bitsAllocated: 16,
      photometric: 'MONOCHROME2',
      pixel: (x) => x * 10,
      sopClassUid: SOP.dx,
      modality: 'DX',
      identity: identity(`${STUDY}.5`),
    });
    const jls = await readFile(await compressWithDcmtk(source, 'jpegLsLossless'));
    jls.fill(0xff, jls.length - 300, jls.length - 40);
    const broken = path.join(dir, 'broken-jls.dcm');
    await writeFile(broken, jls);

    expect((await storescu({ port: stack.dicomPort, files: [dr.file, dx, ct, loop] })).ok).toBe(true);
    expect((await storescu({ port: stack.dicomPort, files: [broken], args: ['-xt'] })).ok).toBe(true);
    await waitUntil(
      'five instances filed, the loop with its frames',
      async () => {
        const instances = await studyInstances();
        return instances.length === 5 && instances.some((i) => i.image?.frameUrls);
      },
      60_000,
    );
    const byUid = new Map((await studyInstances()).map((i) => [i.sopInstanceUid, i]));

    // The radiograph: shrunk like its preview; the marker keeps its stored value exactly.
    const drView = byUid.get(`${STUDY}.1`)!.image!;
    expect(drView).toMatchObject({
      columns: 2800,
      rows: 3400,
      numberOfFrames: 1,
      photometricInterpretation: 'MONOCHROME2',
      pixelSpacingMm: null,
      frameUrls: null,
      rendition: {
        format: 'grey16',
        width: 843,
        height: 1024,
        frame: 0,
        storedValueOffset: 0,
        invert: false,
      },
    });
    const drPng = await fetchPng(drView.rendition!.url);
    expect([drPng.width, drPng.height]).toEqual([843, 1024]);
    const scale = 2800 / 843;
    // The marker spans columns 700–933 and rows 850–1133 of the radiograph; its middle here:
    expect(drPng.at(Math.round(816 / scale), Math.round(991 / scale))).toBe(16383);
    // Elsewhere the gradient (x + y) / 6200 of 14 bits, averaged over each rendition pixel.
    for (const [x, y] of [
      [100, 100],
      [600, 900],
      [800, 50],
    ] as const) {
      const expected = (((x + 0.5) * scale + (y + 0.5) * scale) / 6200) * 16383;
      expect(Math.abs(drPng.at(x, y) - expected)).toBeLessThan(40);
    }

    // The small MONOCHROME1 radiograph fits: every stored value back, flagged for inversion.
    const dxView = byUid.get(`${STUDY}.2`)!.image!;
    expect(dxView.pixelSpacingMm).toEqual({ row: 0.1, column: 0.1, source: 'ImagerPixelSpacing' });
    expect(dxView.rendition).toMatchObject({
      width: 200,
      height: 160,
      invert: true,
      windows: [{ center: 2048, width: 4096, explanation: null }],
      defaultWindow: { center: 2048, width: 4096 },
    });
    const dxPng = await fetchPng(dxView.rendition!.url);
    for (let y = 0; y < 160; y += 7)
      for (let x = 0; x < 200; x += 7) expect(dxPng.at(x, y)).toBe(quadrant(dxValues, 200, 160)(x, y));

    // The CT slice: signed values behind the offset, Hounsfield units by the rescale.
    const ctView = byUid.get(`${STUDY}.3`)!.image!;
    const r = ctView.rendition!;
    expect(ctView.pixelSpacingMm).toEqual({ row: 0.5, column: 0.5, source: 'PixelSpacing' });
    expect(r).toMatchObject({
      storedValueOffset: 32768,
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      windows: [
        { center: 40, width: 400, explanation: 'SOFT TISSUE' },
        { center: 500, width: 2000, explanation: 'BONE' },
      ],
    });
    const ctPng = await fetchPng(r.url);
    const stored = [ctPng.at(0, 0), ctPng.at(127, 0), ctPng.at(0, 127), ctPng.at(127, 127)].map(
      (v) => v - r.storedValueOffset,
    );
    expect(stored).toEqual(ctValues);
    expect(stored.map((s) => s * r.rescaleSlope + r.rescaleIntercept)).toEqual([-3024, -2048, -984, 1976]);

    // The loop: colour, so no rendition; one preview per frame, in order, at most 512 px.
    const loopView = byUid.get(`${STUDY}.4`)!.image!;
    expect(loopView).toMatchObject({ numberOfFrames: 12, photometricInterpretation: 'RGB', rendition: null });
    expect(loopView.frameUrls).toHaveLength(12);
    for (const [f, url] of loopView.frameUrls!.entries()) {
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([512, 384]);
      expect(Math.abs(data[info.width * 192 + 256]! - levels[f]!)).toBeLessThan(4);
    }

    // The undecodable image: filed with its placeholder, and no image to view.
    const placeholder = byUid.get(`${STUDY}.5`)!;
    expect(placeholder.placeholderReason).toBeTruthy();
    expect(placeholder.image).toBeNull();
  });
});
