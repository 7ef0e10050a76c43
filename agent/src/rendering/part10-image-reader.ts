import { inflateRawSync } from 'node:zlib';
import type { PixelSpacingMm, VoiWindow } from '@lightbox/protocol';
import {
  ITEM,
  ITEM_DELIMITER,
  readElementHeader,
  SEQUENCE_DELIMITER,
  tagAt,
  UNDEFINED_LENGTH as UNDEFINED,
} from '../dicom/codec/element-header.js';
import { isVrCode } from '../dicom/codec/value-representation.js';
import { LightboxError } from '../errors.js';

/**
 * Reads what a thumbnail needs from a Part-10 file — the image pixel module, rescale, VOI window
 * and the pixel data — without building the whole data set. dcmjs parses every element and copies
 * the pixels; for a 20 MB radiograph that is most of the render budget, so this reader only walks
 * the top level and keeps views into the file's own buffer.
 */
export interface ImageHeader {
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration: 0 | 1;
  numberOfFrames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Every Window Center/Width pair the image gives, in order, with its explanation. */
  windows: VoiWindow[];
  /** Pixel Spacing, or else Imager Pixel Spacing, in mm; null when neither is usable. */
  pixelSpacingMm: PixelSpacingMm | null;
  /** (0028,1041) Pixel Presentation etc. are ignored: a thumbnail follows Photometric Interpretation. */
}

export type PixelData =
  { kind: 'native'; bytes: Buffer } | { kind: 'encapsulated'; offsets: number[]; fragments: Buffer[] };

export interface ImageObject {
  header: ImageHeader;
  pixelData: PixelData;
  /**
   * Where native pixel data sits in the file, when the reader was given only the file's head:
   * `pixelData` is then empty and the frames are read from disk as needed.
   */
  pixelDataInFile?: { offset: number; length: number };
  /** The data set before the pixel data, for whoever wants more of it than the image module. */
  headerBytes: Buffer;
  explicitVr: boolean;
}

/** What is wrong with an image that cannot be drawn; becomes the placeholder's reason. */
export class ImageFormatError extends LightboxError {
  constructor(message: string) {
    super('image_format', message);
    this.name = 'ImageFormatError';
  }
}

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';

const PIXEL_DATA = 0x7fe00010;

/** The elements the renderer reads, by tag. */
const WANTED = new Set([
  0x00280002, 0x00280004, 0x00280006, 0x00280008, 0x00280010, 0x00280011, 0x00280100, 0x00280101, 0x00280103,
  0x00281050, 0x00281051, 0x00281052, 0x00281053, 0x00281055, 0x00280030, 0x00181164,
]);

/**
 * `file` is the whole file, or with `head` only its first bytes: then native pixel data that runs
 * past them is reported by position (`pixelDataInFile`) rather than read.
 */
export function readImageObject(file: Buffer, opts: { head?: boolean } = {}): ImageObject {
  if (file.length < 132 || file.toString('latin1', 128, 132) !== 'DICM') {
    throw new ImageFormatError('not a DICOM Part-10 file (no DICM prefix)');
  }
  const { transferSyntaxUid, datasetStart } = readMeta(file);
  if (transferSyntaxUid === EXPLICIT_BE) {
    throw new ImageFormatError('Explicit VR Big Endian is retired and not rendered');
  }
  let dataset = file.subarray(datasetStart);
  if (transferSyntaxUid === DEFLATED_LE) dataset = inflateRawSync(dataset);
  const explicitVr = transferSyntaxUid !== IMPLICIT_LE;
  const values = new Map<number, Buffer>();
  let pixelData: PixelData | undefined;
  let pixelDataAt = dataset.length;
  let pixelDataInFile: ImageObject['pixelDataInFile'];
  // Offsets in an inflated data set are not offsets in the file.
  const head = opts.head === true && transferSyntaxUid !== DEFLATED_LE;
  walk(dataset, explicitVr, head, (tag, value, encapsulated, at, beyond) => {
    if (tag === PIXEL_DATA) {
      pixelData = encapsulated ?? { kind: 'native', bytes: value };
      pixelDataAt = at;
      if (beyond) pixelDataInFile = { offset: datasetStart + beyond.valueStart, length: beyond.length };
    } else if (WANTED.has(tag)) values.set(tag, value);
  });
  if (!pixelData) throw new ImageFormatError('the object has no Pixel Data (7FE0,0010)');
  const us = (tag: number, fallback?: number): number => {
    const v = values.get(tag);
    if (v && v.length >= 2) return v.readUInt16LE(0);
    if (fallback !== undefined) return fallback;
    throw new ImageFormatError(`missing ${tagName(tag)}`);
  };
  const text = (tag: number): string | undefined => {
    const v = values.get(tag);
    return v
      ? v
          .toString('latin1')
          .replace(/[\0 ]+$/, '')
          .trim()
      : undefined;
  };
  const numbers = (tag: number): (number | undefined)[] =>
    (text(tag)?.split('\\') ?? []).map((raw) => {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      return Number.isFinite(n) ? n : undefined;
    });
  const firstNumber = (tag: number): number | undefined => numbers(tag)[0];
  const header: ImageHeader = {
    transferSyntaxUid,
    rows: us(0x00280010),
    columns: us(0x00280011),
    bitsAllocated: us(0x00280100),
    bitsStored: us(0x00280101, us(0x00280100)),
    pixelRepresentation: us(0x00280103, 0) === 1 ? 1 : 0,
    samplesPerPixel: us(0x00280002, 1),
    photometricInterpretation: text(0x00280004) ?? 'MONOCHROME2',
    planarConfiguration: us(0x00280006, 0) === 1 ? 1 : 0,
    numberOfFrames: Math.max(1, Math.trunc(firstNumber(0x00280008) ?? 1)),
    rescaleSlope: firstNumber(0x00281053) ?? 1,
    rescaleIntercept: firstNumber(0x00281052) ?? 0,
    windows: voiWindows(numbers(0x00281050), numbers(0x00281051), text(0x00281055)),
    pixelSpacingMm:
      spacing(numbers(0x00280030), 'PixelSpacing') ?? spacing(numbers(0x00181164), 'ImagerPixelSpacing'),
  };
  if (header.rows === 0 || header.columns === 0)
    throw new ImageFormatError('the image has no rows or columns');
  if (header.rescaleSlope === 0) header.rescaleSlope = 1;
  return {
    header,
    pixelData,
    headerBytes: dataset.subarray(0, pixelDataAt),
    explicitVr,
    ...(pixelDataInFile ? { pixelDataInFile } : {}),
  };
}

/**
 * The Window Center/Width pairs (PS3.3 C.11.2.1.2), value by value, each with its explanation
 * when there is one. A pair with a missing or unusable value (a width below 1) is left out.
 */
function voiWindows(
  centers: (number | undefined)[],
  widths: (number | undefined)[],
  explanations: string | undefined,
): VoiWindow[] {
  const names = explanations?.split('\\') ?? [];
  const windows: VoiWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length, 32); i++) {
    const center = centers[i];
    const width = widths[i];
    if (center === undefined || width === undefined || width < 1) continue;
    const explanation = names[i]?.trim().slice(0, 64) || null;
    windows.push({ center, width, explanation });
  }
  return windows;
}

/** A spacing attribute's two values (row spacing first, then column spacing), when both are sane. */
function spacing(values: (number | undefined)[], source: PixelSpacingMm['source']): PixelSpacingMm | null {
  const [row, column] = values;
  if (row === undefined || column === undefined || !(row > 0) || !(column > 0)) return null;
  return { row, column, source };
}

function readMeta(file: Buffer): { transferSyntaxUid: string; datasetStart: number } {
  let pos = 132;
  let transferSyntaxUid: string | undefined;
  // Group 0002 is always Explicit VR Little Endian; read until the group ends.
  while (pos + 8 <= file.length && file.readUInt16LE(pos) === 0x0002) {
    const header = readElementHeader(file, pos, true);
    if (!header) throw new ImageFormatError('truncated file meta information');
    const { tag, length, valueStart } = header;
    if (valueStart + length > file.length) throw new ImageFormatError('truncated file meta information');
    if (tag === 0x00020010) {
      transferSyntaxUid = file.toString('latin1', valueStart, valueStart + length).replace(/[\0 ]+$/, '');
    }
    pos = valueStart + length;
  }
  if (!transferSyntaxUid) throw new ImageFormatError('the file meta information has no Transfer Syntax UID');
  return { transferSyntaxUid, datasetStart: pos };
}

type Visit = (
  tag: number,
  value: Buffer,
  encapsulated: { kind: 'encapsulated'; offsets: number[]; fragments: Buffer[] } | undefined,
  /** Where the element's header starts. */
  at: number,
  /** Set for native pixel data running past the end of a file's head: where its value is. */
  beyond?: { valueStart: number; length: number },
) => void;

/**
 * Visits the top-level elements, skipping sequences whole. With `head`, `data` is the start of a
 * data set: native pixel data that runs past it ends the walk, reported by position.
 */
function walk(data: Buffer, explicitVr: boolean, head: boolean, visit: Visit): void {
  let pos = 0;
  while (pos + 8 <= data.length) {
    const header = readElementHeader(data, pos, explicitVr);
    if (!header) throw new ImageFormatError('truncated element header');
    const { tag, length, valueStart } = header;
    if (length === UNDEFINED) {
      if (tag === PIXEL_DATA) {
        const { fragments, offsets, next } = readFragments(data, valueStart);
        visit(tag, Buffer.alloc(0), { kind: 'encapsulated', offsets, fragments }, pos);
        pos = next;
      } else {
        pos = skipUndefinedLength(data, valueStart);
      }
      continue;
    }
    if (valueStart + length > data.length && head && tag === PIXEL_DATA) {
      visit(tag, Buffer.alloc(0), undefined, pos, { valueStart, length });
      return;
    }
    if (valueStart + length > data.length) {
      throw new ImageFormatError(`element ${tagName(tag)} claims ${length} bytes past the end of the file`);
    }
    visit(tag, data.subarray(valueStart, valueStart + length), undefined, pos);
    pos = valueStart + length;
  }
}

/** Skips an undefined-length sequence (or UN value): items until the sequence delimiter. */
function skipUndefinedLength(data: Buffer, start: number): number {
  let pos = start;
  // Nested undefined-length items and sequences are walked by depth; every header is 8 bytes.
  let depth = 1;
  let guard = 0;
  while (depth > 0) {
    if (pos + 8 > data.length) throw new ImageFormatError('a sequence runs past the end of the file');
    if (++guard > 50_000_000) throw new ImageFormatError('a sequence is nested beyond reason');
    const tag = tagAt(data, pos);
    if (tag === SEQUENCE_DELIMITER || tag === ITEM_DELIMITER) {
      pos += 8;
      if (tag === SEQUENCE_DELIMITER) depth -= 1;
      continue;
    }
    if (tag === ITEM) {
      const length = data.readUInt32LE(pos + 4);
      if (length === UNDEFINED) {
        pos = skipItemElements(data, pos + 8);
      } else {
        pos += 8 + length;
      }
      continue;
    }
    throw new ImageFormatError(`unexpected ${tagName(tag)} inside a sequence`);
  }
  return pos;
}

/** Elements of an undefined-length item, in implicit or explicit VR, up to its delimiter. */
function skipItemElements(data: Buffer, start: number): number {
  let pos = start;
  while (pos + 8 <= data.length) {
    if (tagAt(data, pos) === ITEM_DELIMITER) return pos + 8;
    // Explicit VR is recognised by two upper-case letters where implicit VR has a length.
    const explicit = isVrCode(data.toString('latin1', pos + 4, pos + 6));
    const header = readElementHeader(data, pos, explicit);
    if (!header) throw new ImageFormatError('an item runs past the end of the file');
    const { length, valueStart } = header;
    pos = length === UNDEFINED ? skipUndefinedLength(data, valueStart) : valueStart + length;
  }
  throw new ImageFormatError('an item runs past the end of the file');
}

function readFragments(
  data: Buffer,
  start: number,
): { offsets: number[]; fragments: Buffer[]; next: number } {
  let pos = start;
  const items: Buffer[] = [];
  for (;;) {
    if (pos + 8 > data.length) throw new ImageFormatError('encapsulated pixel data is truncated');
    const tag = tagAt(data, pos);
    const length = data.readUInt32LE(pos + 4);
    if (tag === SEQUENCE_DELIMITER) {
      pos += 8;
      break;
    }
    if (tag !== ITEM) throw new ImageFormatError(`unexpected ${tagName(tag)} in encapsulated pixel data`);
    if (pos + 8 + length > data.length) throw new ImageFormatError('a pixel data fragment is truncated');
    items.push(data.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
  }
  const [table, ...fragments] = items;
  if (!table) throw new ImageFormatError('encapsulated pixel data has no offset table item');
  const offsets: number[] = [];
  for (let i = 0; i + 4 <= table.length; i += 4) offsets.push(table.readUInt32LE(i));
  return { offsets, fragments, next: pos };
}

function tagName(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}
