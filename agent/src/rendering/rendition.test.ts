import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { renderInstance } from './render-instance.js';
import { decodeJpeg, meanOf } from './test-support/image-facts.js';
import {
  compressWithDcmtk,
  uniformGrey,
  writeSyntheticImage,
  type SyntheticImage,
} from './test-support/synthetic-images.js';

/**
 * The lossless rendition and the image facts, checked against images whose stored values are
 * known by construction: the PNG, decoded by sharp, must give those values back exactly for an
 * image that fits the preview, and only averages of them for one that is shrunk.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-rendition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The PNG's samples, as a viewer decoding it would see them: one channel, 16 bits. */
async function pngSamples(png: Buffer) {
  const meta = await sharp(png).metadata();
  expect(meta).toMatchObject({ format: 'png', channels: 1, depth: 'ushort' });
  const { data, info } = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({
    resolveWithObject: true,
  });
  expect(info.channels).toBe(1);
  return {
    width: info.width,
    height: info.height,
    at: (x: number, y: number) => data.readUInt16LE((y * info.width + x) * 2),
  };
}

/** Four quadrants of the given stored values. */
const quadrants =
  (values: [number, number, number, number], columns: number, rows: number) => (x: number, y: number) =>
    values[(y < rows / 2 ? 0 : 2) + (x < columns / 2 ? 0 : 1)]!;

async function rendered(name: string, image: SyntheticImage) {
  const r = await renderInstance(await writeSyntheticImage(dir, name, image));
  expect(r.placeholderReason).toBeNull();
  return r;
}

describe('an image that fits the preview keeps its stored values exactly', () => {
  it('unsigned 12-bit, two windows with explanations, Pixel Spacing', async () => {
    const values: [number, number, number, number] = [0, 1, 2048, 4095];
    const r = await rendered('unsigned', {
      rows: 60,
      columns: 80,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixel: quadrants(values, 80, 60),
      windows: [
        { center: 2048, width: 4096, explanation: 'FULL' },
        { center: 600, width: 800 },
      ],
      pixelSpacing: [0.25, 0.5],
      imagerPixelSpacing: [0.3, 0.3],
    });
    const png = await pngSamples(r.rendition!.png);
    expect([png.width, png.height]).toEqual([80, 60]);
    expect([png.at(0, 0), png.at(79, 0), png.at(0, 59), png.at(79, 59)]).toEqual(values);
    for (let y = 0; y < 60; y++)
      for (let x = 0; x < 80; x++) expect(png.at(x, y)).toBe(quadrants(values, 80, 60)(x, y));
    expect(r.rendition).toMatchObject({
      width: 80,
      height: 60,
      storedValueOffset: 0,
      invert: false,
      defaultWindow: { center: 2048, width: 4096 },
    });
    expect(r.image).toEqual({
      columns: 80,
      rows: 60,
      numberOfFrames: 1,
      photometricInterpretation: 'MONOCHROME2',
      // Pixel Spacing is preferred to Imager Pixel Spacing; row spacing first, as DICOM writes it.
      pixelSpacingMm: { row: 0.25, column: 0.5, source: 'PixelSpacing' },
      rescaleSlope: 1,
      rescaleIntercept: 0,
      windows: [
        { center: 2048, width: 4096, explanation: 'FULL' },
        { center: 600, width: 800, explanation: null },
      ],
    });
  });

  it('signed CT with a rescale into Hounsfield units: value − 32768 is the stored value', async () => {
    const values: [number, number, number, number] = [-2000, -1, 0, 3071];
    const r = await rendered('signed-ct', {
      rows: 64,
      columns: 64,
      bitsAllocated: 16,
      bitsStored: 16,
      signed: true,
      photometric: 'MONOCHROME2',
      pixel: quadrants(values, 64, 64),
      rescale: { slope: 1, intercept: -1024 },
      windows: [
        { center: 40, width: 400, explanation: 'SOFT TISSUE' },
        { center: -600, width: 1500, explanation: 'LUNG' },
      ],
      modality: 'CT',
      pixelSpacing: [0.7, 0.7],
    });
    const png = await pngSamples(r.rendition!.png);
    const offset = r.rendition!.storedValueOffset;
    expect(offset).toBe(32768);
    expect([png.at(0, 0), png.at(63, 0), png.at(0, 63), png.at(63, 63)].map((v) => v - offset)).toEqual(
      values,
    );
    // A viewer's Hounsfield units: stored × slope + intercept.
    const hu = (png.at(63, 63) - offset) * r.image!.rescaleSlope + r.image!.rescaleIntercept;
    expect(hu).toBe(2047);
    expect(r.image).toMatchObject({
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      windows: [
        { center: 40, width: 400, explanation: 'SOFT TISSUE' },
        { center: -600, width: 1500, explanation: 'LUNG' },
      ],
    });
    expect(r.rendition!.defaultWindow).toEqual({ center: 40, width: 400 });
  });

  it('MONOCHROME1 is marked for inversion, its values are not inverted; Imager Pixel Spacing alone', async () => {
    const values: [number, number, number, number] = [10, 200, 900, 1023];
    const r = await rendered('mono1', {
      rows: 40,
      columns: 40,
      bitsAllocated: 16,
      bitsStored: 10,
      photometric: 'MONOCHROME1',
      pixel: quadrants(values, 40, 40),
      imagerPixelSpacing: [0.1, 0.1],
    });
    const png = await pngSamples(r.rendition!.png);
    expect([png.at(0, 0), png.at(39, 0), png.at(0, 39), png.at(39, 39)]).toEqual(values);
    expect(r.rendition!.invert).toBe(true);
    expect(r.image!.pixelSpacingMm).toEqual({ row: 0.1, column: 0.1, source: 'ImagerPixelSpacing' });
    // No window in the image: the one found in the pixels is the default, in modality values.
    expect(r.image!.windows).toEqual([]);
    expect(r.rendition!.defaultWindow.width).toBeGreaterThan(1);
    // The preview agrees: MONOCHROME1's lowest value is drawn white.
    const preview = await decodeJpeg(r.preview);
    expect(meanOf(preview, { x0: 0.05, y0: 0.05, x1: 0.45, y1: 0.45 })[0]!).toBeGreaterThan(240);
  });

  it('8-bit grey, and JPEG-LS lossless compressed by DCMTK, decode to the same stored values', async () => {
    const values: [number, number, number, number] = [3, 77, 128, 250];
    const source = await writeSyntheticImage(dir, 'eight-bit', {
      rows: 32,
      columns: 48,
      bitsAllocated: 8,
      photometric: 'MONOCHROME2',
      pixel: quadrants(values, 48, 32),
    });
    for (const file of [source, await compressWithDcmtk(source, 'jpegLsLossless')]) {
      const r = await renderInstance(file);
      const png = await pngSamples(r.rendition!.png);
      expect([png.at(0, 0), png.at(47, 0), png.at(0, 31), png.at(47, 31)]).toEqual(values);
      expect(r.image!.pixelSpacingMm).toBeNull();
    }
  });
});

describe('an image larger than the preview', () => {
  it('is resized like the preview: values are averages of stored values, exact inside each region', async () => {
    // 12 MB: read from disk in bands, as a radiograph is.
    const r = await rendered('large', {
      rows: 2000,
      columns: 3000,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixel: (x) => (x < 1500 ? 1000 : 3000),
      imagerPixelSpacing: [0.15, 0.15],
    });
    expect([r.rendition!.width, r.rendition!.height]).toEqual([r.previewWidth, r.previewHeight]);
    expect([r.rendition!.width, r.rendition!.height]).toEqual([1024, 683]);
    const png = await pngSamples(r.rendition!.png);
    let min = 65535;
    let max = 0;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        min = Math.min(min, png.at(x, y));
        max = Math.max(max, png.at(x, y));
      }
    }
    // Never beyond the stored values: the downscale averages, it does not sharpen.
    expect([min, max]).toEqual([1000, 3000]);
    expect(png.at(100, 300)).toBe(1000);
    expect(png.at(900, 300)).toBe(3000);
    // The facts are the stored image's, so a viewer scales its measurements by columns / width.
    expect(r.image).toMatchObject({ columns: 3000, rows: 2000 });
  });
});

describe('colour images and multi-frame objects', () => {
  it('a colour image has facts and no rendition: its preview JPEG is what a viewer shows', async () => {
    const r = await rendered('rgb', {
      rows: 40,
      columns: 40,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixel: () => [200, 30, 30],
    });
    expect(r.rendition).toBeNull();
    expect(r.image).toMatchObject({ photometricInterpretation: 'RGB', numberOfFrames: 1 });
    expect(r.framePreviews).toEqual([]);
  });

  it('a grey loop gets a preview of every frame in order, and the rendition of its middle frame', async () => {
    const levels = [0, 1000, 2000, 3000, 4000];
    const r = await rendered('grey-loop', {
      rows: 48,
      columns: 64,
      bitsAllocated: 16,
      bitsStored: 12,
      frames: 5,
      photometric: 'MONOCHROME2',
      pixel: (_x, _y, f) => levels[f]!,
      window: { center: 2000, width: 4000 },
    });
    expect(r.frame).toBe(2);
    expect(r.framePreviews.map((f) => f.frame)).toEqual([0, 1, 2, 3, 4]);
    // Every frame drawn with the one window: 0 black, 2000 mid grey, 4000 white.
    const greys = await Promise.all(
      r.framePreviews.map(async (f) => meanOf(await decodeJpeg(f.jpeg), { x0: 0, y0: 0, x1: 1, y1: 1 })[0]!),
    );
    const expected = levels.map((v) => Math.round(((v - 1999.5) / 3999 + 0.5) * 255));
    greys.forEach((g, i) => expect(Math.abs(g - Math.min(255, Math.max(0, expected[i]!)))).toBeLessThan(3));
    const png = await pngSamples(r.rendition!.png);
    expect(png.at(10, 10)).toBe(2000);
    expect(r.image!.numberOfFrames).toBe(5);
  });

  it('a colour cine loop longer than the cap gets 120 frames spread from the first to the last', async () => {
    const r = await rendered('long-loop', {
      rows: 16,
      columns: 24,
      bitsAllocated: 8,
      frames: 250,
      photometric: 'RGB',
      // Each frame's red level names it, so the previews can be told apart.
      pixel: (_x, _y, f) => [f, 0, 0],
      modality: 'US',
    });
    expect(r.rendition).toBeNull();
    const frames = r.framePreviews.map((f) => f.frame);
    expect(frames).toHaveLength(120);
    expect(frames[0]).toBe(0);
    expect(frames.at(-1)).toBe(249);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    for (const f of [r.framePreviews[0]!, r.framePreviews[60]!, r.framePreviews[119]!]) {
      const red = meanOf(await decodeJpeg(f.jpeg), { x0: 0.2, y0: 0.2, x1: 0.8, y1: 0.8 })[0]!;
      expect(Math.abs(red - f.frame)).toBeLessThan(6);
    }
  });

  it('a slow loop gets fewer frames, spread evenly, inside the budget', async () => {
    const file = await writeSyntheticImage(dir, 'budget-loop', {
      rows: 16,
      columns: 16,
      bitsAllocated: 8,
      frames: 40,
      photometric: 'MONOCHROME2',
      pixel: (_x, _y, f) => f,
    });
    // A budget smaller than one frame's cost leaves no frame previews; the image itself still renders.
    const none = await renderInstance(file, { rendition: true, framePreviewBudgetMs: 0 });
    expect(none.placeholderReason).toBeNull();
    expect(none.framePreviews).toEqual([]);
    expect(none.rendition).not.toBeNull();
  });
});

describe('what is not rendered', () => {
  it('an image that cannot be decoded gets its placeholder, no facts, no rendition, no frames', async () => {
    const file = path.join(dir, 'not-an-image.dcm');
    await (await import('node:fs/promises')).writeFile(file, 'not DICOM at all');
    const r = await renderInstance(file);
    expect(r.placeholderReason).toMatch(/DICM/);
    expect([r.image, r.rendition, r.framePreviews]).toEqual([null, null, []]);
  });

  it('no rendition when renditions are turned off', async () => {
    const file = await writeSyntheticImage(dir, 'off', uniformGrey(8, 8, 16, 5));
    const r = await renderInstance(file, { rendition: false, framePreviewBudgetMs: 1000 });
    expect(r.rendition).toBeNull();
    expect(r.image).not.toBeNull();
  });
});
