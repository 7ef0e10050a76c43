import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Images whose content is known by construction — regions of given values, a marker at a given
 * place — so that a thumbnail can be checked against facts, not against an earlier rendering.
 * Compressed variants are made by DCMTK, independently of the decoders the renderer uses.
 * Test support only.
 */
export interface SyntheticImage {
  rows: number;
  columns: number;
  frames?: number;
  bitsAllocated: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';
  /** Stored value of a grey pixel, or [r, g, b]. */
  pixel: (x: number, y: number, frame: number) => number | [number, number, number];
  window?: { center: number; width: number };
  /** Several VOI windows (multi-valued Window Center/Width), with explanations; instead of `window`. */
  windows?: { center: number; width: number; explanation?: string }[];
  rescale?: { slope: number; intercept: number };
  /** Pixel Spacing (0028,0030) and Imager Pixel Spacing (0018,1164), row spacing first, in mm. */
  pixelSpacing?: [number, number];
  imagerPixelSpacing?: [number, number];
  sopClassUid?: string;
  modality?: string;
  /** Who and what the image is of, for tests that file it; defaults make it an anonymous image. */
  identity?: {
    studyInstanceUid?: string;
    seriesInstanceUid?: string;
    sopInstanceUid?: string;
    patientId?: string;
    patientName?: string;
    accessionNumber?: string;
    studyDate?: string;
    species?: string;
  };
}

/** A MONOCHROME2 image whose every pixel is `value`: for tests that need an image, not its content. */
export function uniformGrey(
  rows: number,
  columns: number,
  bitsAllocated: 8 | 16,
  value: number,
): SyntheticImage {
  return { rows, columns, bitsAllocated, photometric: 'MONOCHROME2', pixel: () => value };
}

const run = promisify(execFile);
// eslint-disable-next-line no-restricted-properties -- DCMTK needs the inherited environment (PATH)
const dcmtkEnv: NodeJS.ProcessEnv = { ...process.env, TCP_NODELAY: '1' };

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
let counter = 0;

/** Writes the image as Explicit VR Little Endian Part-10 and returns the path. */
export async function writeSyntheticImage(dir: string, name: string, image: SyntheticImage): Promise<string> {
  const frames = image.frames ?? 1;
  const samples = image.photometric === 'RGB' ? 3 : 1;
  const bytesPerSample = image.bitsAllocated / 8;
  const pixels = Buffer.alloc(image.rows * image.columns * samples * bytesPerSample * frames);
  let offset = 0;
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < image.rows; y++) {
      for (let x = 0; x < image.columns; x++) {
        const v = image.pixel(x, y, f);
        const values = Array.isArray(v) ? v : [v];
        for (const s of values) {
          if (image.bitsAllocated === 8) pixels.writeUInt8(s & 0xff, offset);
          else if (image.signed) pixels.writeInt16LE(s, offset);
          else pixels.writeUInt16LE(s, offset);
          offset += bytesPerSample;
        }
      }
    }
  }
  const id = image.identity ?? {};
  const sopInstanceUid = id.sopInstanceUid ?? `2.25.${Date.now()}${process.pid}${++counter}`;
  const sopClassUid = image.sopClassUid ?? SECONDARY_CAPTURE;
  const stored = image.bitsStored ?? image.bitsAllocated;
  const elements: Element[] = [
    [0x00080016, 'UI', sopClassUid],
    [0x00080018, 'UI', sopInstanceUid],
    ...(id.studyDate ? [[0x00080020, 'DA', id.studyDate] as Element] : []),
    ...(id.accessionNumber ? [[0x00080050, 'SH', id.accessionNumber] as Element] : []),
    [0x00080060, 'CS', image.modality ?? 'OT'],
    [0x00100010, 'PN', id.patientName ?? 'Synthetic^Image'],
    [0x00100020, 'LO', id.patientId ?? 'SYN1'],
    ...(id.species ? [[0x00102201, 'LO', id.species] as Element] : []),
    ...(image.imagerPixelSpacing ? [[0x00181164, 'DS', image.imagerPixelSpacing.join('\\')] as Element] : []),
    [0x0020000d, 'UI', id.studyInstanceUid ?? `${sopInstanceUid}.1`],
    [0x0020000e, 'UI', id.seriesInstanceUid ?? `${sopInstanceUid}.2`],
    [0x00280002, 'US', samples],
    [0x00280004, 'CS', image.photometric],
    ...(samples === 3 ? [[0x00280006, 'US', 0] as Element] : []),
    ...(frames > 1 ? [[0x00280008, 'IS', String(frames)] as Element] : []),
    [0x00280010, 'US', image.rows],
    [0x00280011, 'US', image.columns],
    ...(image.pixelSpacing ? [[0x00280030, 'DS', image.pixelSpacing.join('\\')] as Element] : []),
    [0x00280100, 'US', image.bitsAllocated],
    [0x00280101, 'US', stored],
    [0x00280102, 'US', stored - 1],
    [0x00280103, 'US', image.signed ? 1 : 0],
    ...(image.window
      ? [
          [0x00281050, 'DS', String(image.window.center)] as Element,
          [0x00281051, 'DS', String(image.window.width)] as Element,
        ]
      : []),
    ...(image.windows
      ? [
          [0x00281050, 'DS', image.windows.map((w) => w.center).join('\\')] as Element,
          [0x00281051, 'DS', image.windows.map((w) => w.width).join('\\')] as Element,
        ]
      : []),
    ...(image.rescale
      ? [
          [0x00281052, 'DS', String(image.rescale.intercept)] as Element,
          [0x00281053, 'DS', String(image.rescale.slope)] as Element,
        ]
      : []),
    ...(image.windows?.some((w) => w.explanation)
      ? [[0x00281055, 'LO', image.windows.map((w) => w.explanation ?? '').join('\\')] as Element]
      : []),
    [0x7fe00010, image.bitsAllocated === 8 ? 'OB' : 'OW', pixels],
  ];
  const meta: Element[] = [
    [0x00020001, 'OB', Buffer.from([0, 1])],
    [0x00020002, 'UI', sopClassUid],
    [0x00020003, 'UI', sopInstanceUid],
    [0x00020010, 'UI', '1.2.840.10008.1.2.1'],
    [0x00020012, 'UI', '2.25.1'],
  ];
  const metaBytes = Buffer.concat(meta.map(encodeElement));
  const groupLength = encodeElement([0x00020000, 'UL', metaBytes.length]);
  const file = path.join(dir, `${name}.dcm`);
  await writeFile(
    file,
    Buffer.concat([
      Buffer.alloc(128),
      Buffer.from('DICM'),
      groupLength,
      metaBytes,
      ...elements.map(encodeElement),
    ]),
  );
  return file;
}

type Element = [tag: number, vr: string, value: string | number | Buffer];

/** Explicit VR Little Endian, written by hand so the fixtures owe nothing to the code under test. */
function encodeElement([tag, vr, value]: Element): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) bytes = value;
  else if (vr === 'US') bytes = Buffer.from([Number(value) & 0xff, Number(value) >> 8]);
  else if (vr === 'UL') {
    bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(Number(value));
  } else {
    bytes = Buffer.from(String(value), 'latin1');
    if (bytes.length % 2 === 1) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
  }
  if (bytes.length % 2 === 1) bytes = Buffer.concat([bytes, Buffer.from([0])]);
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(bytes.length, 8);
  else head.writeUInt16LE(bytes.length, 6);
  return Buffer.concat([head, bytes]);
}

/** The DCMTK command lines that compress a file into each transfer syntax. */
export const COMPRESSORS = {
  jpegBaseline: ['dcmcjpeg', '+eb'],
  jpegExtended: ['dcmcjpeg', '+ee'],
  jpegLossless: ['dcmcjpeg', '+e1'],
  jpegLsLossless: ['dcmcjpls', '+el'],
  jpegLsNearLossless: ['dcmcjpls', '+en'],
  rle: ['dcmcrle'],
} as const satisfies Record<string, readonly string[]>;

export async function compressWithDcmtk(
  file: string,
  how: keyof typeof COMPRESSORS,
  extraArgs: string[] = [],
): Promise<string> {
  const [tool, ...args] = COMPRESSORS[how];
  const out = file.replace(/\.dcm$/, `.${how}.dcm`);
  await run(tool, [...args, ...extraArgs, file, out], { env: dcmtkEnv });
  return out;
}
