import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import codecs from 'dcmjs-codecs';
import { afterAll, describe, expect, it } from 'vitest';
import { initializeCodecs } from './pixel-decoding.js';
import { readImageObject } from './part10-image-reader.js';
import { renderInstance } from './render-instance.js';
import { canShrinkWhileReading } from './shrinking-frame-reader.js';
import { LEFT, RIGHT, brightCentroid, decodeJpeg, meanOf } from './test-support/image-facts.js';
import {
  compressWithDcmtk,
  writeSyntheticImage,
  type SyntheticImage,
} from './test-support/synthetic-images.js';

/**
 * Thumbnails checked against what the images are known to contain: dark and bright halves,
 * inversion, a marker's place, colours, the middle frame. Compressed variants come from DCMTK.
 */
const run = promisify(execFile);
const inherited = process.env;
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const halves = (left: number, right: number) => (x: number) => (x < 40 ? left : right);
const greyHalves = (extra: Partial<SyntheticImage> = {}): SyntheticImage => ({
  rows: 60,
  columns: 80,
  bitsAllocated: 16,
  bitsStored: 12,
  photometric: 'MONOCHROME2',
  pixel: halves(1000, 3000),
  ...extra,
});
/** 3000 × 2000 × 16 bit is 12 MB: above the size from which pixels stay on disk and are shrunk while read. */
const largeGrey = (extra: Partial<SyntheticImage> = {}): SyntheticImage => ({
  rows: 2000,
  columns: 3000,
  bitsAllocated: 16,
  bitsStored: 12,
  photometric: 'MONOCHROME2',
  pixel: (x) => x % 4000,
  ...extra,
});
const rgbHalves = (extra: Partial<SyntheticImage> = {}): SyntheticImage => ({
  rows: 64,
  columns: 80,
  bitsAllocated: 8,
  photometric: 'RGB',
  pixel: (x) => (x < 40 ? [230, 20, 20] : [20, 20, 230]),
  modality: 'US',
  ...extra,
});

async function render(file: string) {
  const r = await renderInstance(file);
  return { ...r, thumb: await decodeJpeg(r.thumbnail), view: await decodeJpeg(r.preview) };
}

function grey(img: Awaited<ReturnType<typeof render>>['thumb'], region = LEFT): number {
  return meanOf(img, region)[0]!;
}

/** The colours of rgbHalves: red on the left, blue on the right, within `slack` more of each. */
function expectRedLeftBlueRight(img: Awaited<ReturnType<typeof render>>['thumb'], slack = 0): void {
  const [lr, , lb] = meanOf(img, LEFT);
  const [rr, , rb] = meanOf(img, RIGHT);
  expect(lr).toBeGreaterThan(200 - slack);
  expect(lb).toBeLessThan(50 + slack);
  expect(rb).toBeGreaterThan(200 - slack);
  expect(rr).toBeLessThan(50 + slack);
}

describe('grey images', () => {
  it('applies the window the image gives', async () => {
    const file = await writeSyntheticImage(
      dir,
      'window',
      greyHalves({ window: { center: 1000, width: 200 } }),
    );
    const r = await render(file);
    expect(r.placeholderReason).toBeNull();
    // 1000 sits at the centre of the window: mid grey. 3000 is far above it: white.
    expect(grey(r.thumb, LEFT)).toBeGreaterThan(118);
    expect(grey(r.thumb, LEFT)).toBeLessThan(138);
    expect(grey(r.thumb, RIGHT)).toBeGreaterThan(245);
  });

  it('finds a window in the pixel data when none is given', async () => {
    const r = await render(await writeSyntheticImage(dir, 'nowindow', greyHalves()));
    expect(grey(r.thumb, LEFT)).toBeLessThan(12);
    expect(grey(r.thumb, RIGHT)).toBeGreaterThan(243);
  });

  it('inverts MONOCHROME1', async () => {
    const r = await render(
      await writeSyntheticImage(dir, 'mono1', greyHalves({ photometric: 'MONOCHROME1' })),
    );
    expect(grey(r.thumb, LEFT)).toBeGreaterThan(243);
    expect(grey(r.thumb, RIGHT)).toBeLessThan(12);
  });

  it('reads signed CT values through the rescale into Hounsfield units', async () => {
    // Stored -500 and 520 with slope 2, intercept 0 are -1000 HU (air) and 1040 HU (bone);
    // a soft-tissue window (40/400) shows air black and bone white.
    const file = await writeSyntheticImage(
      dir,
      'ct',
      greyHalves({
        signed: true,
        bitsStored: 16,
        pixel: halves(-500, 520),
        rescale: { slope: 2, intercept: 0 },
        window: { center: 40, width: 400 },
        modality: 'CT',
      }),
    );
    const r = await render(file);
    expect(grey(r.thumb, LEFT)).toBeLessThan(8);
    expect(grey(r.thumb, RIGHT)).toBeGreaterThan(247);
    // The same stored value 20 (40 HU) on the window centre would be mid grey: check with a third image.
    const mid = await render(
      await writeSyntheticImage(
        dir,
        'ct-mid',
        greyHalves({
          signed: true,
          bitsStored: 16,
          pixel: () => 20,
          rescale: { slope: 2, intercept: 0 },
          window: { center: 40, width: 400 },
        }),
      ),
    );
    expect(grey(mid.thumb, LEFT)).toBeGreaterThan(120);
    expect(grey(mid.thumb, LEFT)).toBeLessThan(136);
  });

  it('keeps a marker where it is and the aspect ratio, within the size limits', async () => {
    const file = await writeSyntheticImage(dir, 'marker', {
      rows: 1500,
      columns: 2250,
      bitsAllocated: 16,
      photometric: 'MONOCHROME2',
      pixel: (x, y) => (Math.abs(x - 1687) < 60 && Math.abs(y - 375) < 60 ? 4000 : 100),
      window: { center: 2000, width: 4000 },
    });
    const r = await render(file);
    expect([r.thumb.width, r.thumb.height]).toEqual([256, 171]);
    expect([r.view.width, r.view.height]).toEqual([1024, 683]);
    const c = brightCentroid(r.thumb, 200);
    expect(c.count).toBeGreaterThan(20);
    expect(c.x).toBeCloseTo(0.75, 1);
    expect(c.y).toBeCloseTo(0.25, 1);
    expect(Math.abs(c.x - 0.75)).toBeLessThan(0.02);
    expect(Math.abs(c.y - 0.25)).toBeLessThan(0.02);
  });

  it('reads a large radiograph in bands from disk with the same facts: marker, halves, inversion', async () => {
    // Signed and MONOCHROME1, so the sign shift and the inversion go the band reader's way too.
    const file = await writeSyntheticImage(
      dir,
      'large-mono1',
      largeGrey({
        bitsStored: 16,
        signed: true,
        photometric: 'MONOCHROME1',
        pixel: (x, y) => (Math.abs(x - 2250) < 80 && Math.abs(y - 1500) < 80 ? -2000 : x < 1500 ? 0 : 2000),
        window: { center: 0, width: 4000 },
      }),
    );
    // Its head alone says where the pixels are, and that they can be read in bands.
    const head = (await readFile(file)).subarray(0, 1024 * 1024);
    expect(canShrinkWhileReading(readImageObject(head, { head: true }))).toBe(true);
    const r = await render(file);
    expect([r.view.width, r.view.height]).toEqual([1024, 683]);
    expect([r.thumb.width, r.thumb.height]).toEqual([256, 171]);
    // MONOCHROME1 through a window of -2000..2000: 0 mid grey, 2000 black, the -2000 marker white.
    expect(grey(r.thumb, LEFT)).toBeGreaterThan(115);
    expect(grey(r.thumb, LEFT)).toBeLessThan(141);
    expect(meanOf(r.thumb, { x0: 0.55, x1: 0.65, y0: 0.1, y1: 0.4 })[0]!).toBeLessThan(12);
    const c = brightCentroid(r.thumb, 200);
    expect(c.count).toBeGreaterThan(20);
    expect(Math.abs(c.x - 0.75)).toBeLessThan(0.02);
    expect(Math.abs(c.y - 0.75)).toBeLessThan(0.02);
  });

  it('shows the middle frame of a multi-frame object', async () => {
    const file = await writeSyntheticImage(dir, 'frames', {
      ...greyHalves({ window: { center: 2000, width: 4000 } }),
      frames: 3,
      pixel: (_x, _y, f) => [0, 2000, 4000][f]!,
    });
    const r = await render(file);
    expect(r.frame).toBe(1);
    expect(r.numberOfFrames).toBe(3);
    expect(grey(r.thumb, LEFT)).toBeGreaterThan(118);
    expect(grey(r.thumb, LEFT)).toBeLessThan(138);
  });
});

describe('colour images', () => {
  it('keeps RGB colours', async () => {
    const r = await render(await writeSyntheticImage(dir, 'rgb', rgbHalves()));
    expectRedLeftBlueRight(r.thumb);
    expect(meanOf(r.thumb, LEFT)[1]!).toBeLessThan(50);
  });
});

describe('large uncompressed objects, read from disk for the frame shown', () => {
  /** 31 frames of 480 × 640 RGB are 28 MB: above the size from which pixels stay on disk. */
  const largeCine = (): SyntheticImage => ({
    ...rgbHalves(),
    rows: 480,
    columns: 640,
    frames: 31,
    pixel: (x, _y, f) => (f !== 15 ? [0, 0, 0] : x < 320 ? [230, 20, 20] : [20, 20, 230]),
  });
  // Written once for both tests: 28 MB of synthetic pixels take longer to make than to render.
  let largeCineFile: Promise<string> | undefined;
  const writeLargeCine = () => (largeCineFile ??= writeSyntheticImage(dir, 'large-cine', largeCine()));

  it('a colour cine loop shows its middle frame in its own colours', async () => {
    const r = await render(await writeLargeCine());
    expect(r.placeholderReason).toBeNull();
    expect(r.numberOfFrames).toBe(31);
    expect(r.frame).toBe(15);
    expectRedLeftBlueRight(r.thumb);
  });

  it('a cine loop cut short inside the frame shown gets a placeholder', async () => {
    const file = await writeLargeCine();
    const whole = await readFile(file);
    // 16 of 31 frames: the file ends in the middle frame, still above the size read from disk.
    const cut = path.join(dir, 'large-cine-cut-short.dcm');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * (15.5 / 31))));
    const r = await render(cut);
    expect(r.placeholderReason).toMatch(/ends inside its pixel data/);
    expect(r.numberOfFrames).toBe(31);
  });
});

describe('compressed transfer syntaxes, compressed by DCMTK', () => {
  const greyCases = ['jpegExtended', 'jpegLossless', 'jpegLsLossless', 'jpegLsNearLossless', 'rle'] as const;
  it.each(greyCases)('%s: dark half dark, bright half bright', async (how) => {
    const source = await writeSyntheticImage(dir, `grey-${how}`, greyHalves());
    const r = await render(await compressWithDcmtk(source, how));
    expect(r.placeholderReason).toBeNull();
    expect(grey(r.thumb, LEFT)).toBeLessThan(15);
    expect(grey(r.thumb, RIGHT)).toBeGreaterThan(240);
  });

  it.each(['jpegBaseline', 'rle', 'jpegLsLossless'] as const)(
    '%s colour, multi-frame: the middle frame in its own colours',
    async (how) => {
      const source = await writeSyntheticImage(dir, `rgb-${how}`, {
        ...rgbHalves(),
        frames: 3,
        pixel: (x, _y, f) => (f !== 1 ? [0, 0, 0] : x < 40 ? [230, 20, 20] : [20, 20, 230]),
      });
      const r = await render(await compressWithDcmtk(source, how));
      expect(r.placeholderReason).toBeNull();
      expect(r.frame).toBe(1);
      // Lossy JPEG blurs the colours a little.
      expectRedLeftBlueRight(r.thumb, how === 'jpegBaseline' ? 10 : 0);
    },
  );

  it('JPEG 2000, lossless and lossy', async () => {
    // Debian has no DICOM JPEG 2000 compressor; the codec library's encoder makes this fixture.
    await initializeCodecs();
    const source = await writeSyntheticImage(dir, 'grey-j2k', greyHalves());
    for (const syntax of [
      codecs.constants.TransferSyntax.Jpeg2000Lossless,
      codecs.constants.TransferSyntax.Jpeg2000Lossy,
    ]) {
      const bytes = await readFile(source);
      const transcoder = new codecs.Transcoder(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      transcoder.transcode(syntax);
      const out = path.join(dir, `j2k-${syntax}.dcm`);
      await writeFile(out, Buffer.from(transcoder.getDicomPart10()));
      const r = await render(out);
      expect(r.placeholderReason).toBeNull();
      expect(grey(r.thumb, LEFT)).toBeLessThan(15);
      expect(grey(r.thumb, RIGHT)).toBeGreaterThan(240);
    }
  });
});

describe('header attributes', () => {
  it('reads species, labels and the Request Attributes Sequence step ids, set by DCMTK', async () => {
    const file = await writeSyntheticImage(dir, 'labelled', greyHalves());
    await run(
      'dcmodify',
      [
        '-nb',
        '-i',
        '(0010,2201)=Canine',
        '-i',
        '(0008,1030)=Thorax 2 views',
        '-i',
        '(0018,0015)=CHEST',
        '-i',
        '(0040,0275)[0].(0040,1001)=RP-77',
        '-i',
        '(0040,0275)[0].(0040,0009)=SPS-77-1',
        '-i',
        '(0040,0275)[1].(0040,0009)=SPS-78-1',
        file,
      ],
      { env: { ...inherited, TCP_NODELAY: '1' } },
    );
    const r = await renderInstance(file);
    expect(r.attributes).toEqual({
      patientSpeciesDescription: 'Canine',
      studyDescription: 'Thorax 2 views',
      bodyPartExamined: 'CHEST',
      requestedProcedureIds: ['RP-77'],
      scheduledProcedureStepIds: ['SPS-77-1', 'SPS-78-1'],
    });
  });
});

describe('images that cannot be drawn', () => {
  it('get a placeholder and a reason, never an exception', async () => {
    const notDicom = path.join(dir, 'not-dicom.dcm');
    await writeFile(notDicom, 'this is not an image');
    const a = await render(notDicom);
    expect(a.placeholderReason).toMatch(/DICM/);
    expect(a.thumb.width).toBe(256);

    const source = await writeSyntheticImage(dir, 'broken', greyHalves());
    const jls = await readFile(await compressWithDcmtk(source, 'jpegLsLossless'));
    // Overwrite the middle of the codestream: the decoder must fail, the render must not.
    jls.fill(0xff, jls.length - 300, jls.length - 40);
    const broken = path.join(dir, 'broken-jls.dcm');
    await writeFile(broken, jls);
    const b = await render(broken);
    expect(b.placeholderReason).toBeTruthy();

    const truncated = path.join(dir, 'truncated.dcm');
    const whole = await readFile(source);
    await writeFile(truncated, whole.subarray(0, whole.length - 1000));
    const c = await render(truncated);
    expect(c.placeholderReason).toMatch(/past the end|Pixel Data/);
  });

  it('a large radiograph cut short inside its pixels, read in bands, gets a placeholder', async () => {
    const file = await writeSyntheticImage(dir, 'large-cut', largeGrey());
    const whole = await readFile(file);
    // Four fifths of the pixels (still above the size read in bands): the bands before the cut are
    // read and shrunk, the next one is not there.
    const cut = path.join(dir, 'large-cut-short.dcm');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.8)));
    const r = await render(cut);
    expect(r.placeholderReason).toMatch(/ends inside its pixel data/);
    expect(r.thumb.width).toBe(256);
  });
});
