import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { queryDecoding } from '../dicom/codec/character-sets.js';
import { ITEM, ITEM_DELIMITER, SEQUENCE_DELIMITER, UNDEFINED_LENGTH } from '../dicom/codec/element-header.js';
import { readElementHeader, tagAt } from '../dicom/codec/element-header.js';
import { isVrCode } from '../dicom/codec/value-representation.js';
import { trimUid } from '../dicom/codec/dicom-uid.js';
import { TransferSyntaxUid } from '../dicom/storage-sop-classes.js';

/**
 * What the agent records of each stored instance, read from the first bytes of its data set: the
 * keys that later steps match, group and show it by. Only top-level elements up to group 0028 are
 * looked at, so a prefix of the data set is enough and the pixel data is never touched.
 */
export interface InstanceHeader {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string;
  patientName: string;
  accessionNumber: string;
  modality: string;
  studyDate: string;
  seriesNumber: string;
  instanceNumber: string;
  numberOfFrames: string;
  specificCharacterSet: string;
  /** True when the prefix reached past group 0028: nothing the agent records can follow. */
  complete: boolean;
}

const TAGS = {
  specificCharacterSet: 0x00080005,
  sopClassUid: 0x00080016,
  sopInstanceUid: 0x00080018,
  studyDate: 0x00080020,
  accessionNumber: 0x00080050,
  modality: 0x00080060,
  patientName: 0x00100010,
  patientId: 0x00100020,
  studyInstanceUid: 0x0020000d,
  seriesInstanceUid: 0x0020000e,
  seriesNumber: 0x00200011,
  instanceNumber: 0x00200013,
  numberOfFrames: 0x00280008,
} as const;
const WANTED = new Set<number>(Object.values(TAGS));
const LAST_GROUP_OF_INTEREST = 0x0028ffff;

const MAX_NESTING = 32;

/** The prefix ended before the element did: a longer prefix may tell more. */
class Truncated extends Error {}
/** The bytes are not a data set in the transfer syntax we were told. */
export class MalformedDataset extends Error {}

/**
 * Reads the header from a prefix of a data set encoded in `transferSyntaxUid` (never the file
 * meta group). Deflated data sets are inflated as far as the prefix allows.
 */
export function readInstanceHeader(prefix: Buffer, transferSyntaxUid: string): InstanceHeader {
  const deflated = transferSyntaxUid === TransferSyntaxUid.DeflatedExplicitVrLittleEndian;
  const bytes = deflated ? inflatePrefix(prefix) : prefix;
  const explicitVr = transferSyntaxUid !== TransferSyntaxUid.ImplicitVrLittleEndian;
  const { values, complete } = scanTopLevel(bytes, explicitVr);
  const latin1 = (tag: number): string => values.get(tag)?.toString('latin1') ?? '';
  const charset = latin1(TAGS.specificCharacterSet).trim();
  const { decode } = queryDecoding(charset);
  const text = (tag: number): string => {
    const v = values.get(tag);
    return v
      ? decode(v)
          .replace(/[\0 ]+$/, '')
          .replace(/^ +/, '')
      : '';
  };
  return {
    sopClassUid: trimUid(latin1(TAGS.sopClassUid)),
    sopInstanceUid: trimUid(latin1(TAGS.sopInstanceUid)),
    studyInstanceUid: trimUid(latin1(TAGS.studyInstanceUid)),
    seriesInstanceUid: trimUid(latin1(TAGS.seriesInstanceUid)),
    patientId: text(TAGS.patientId),
    patientName: text(TAGS.patientName),
    accessionNumber: text(TAGS.accessionNumber),
    modality: latin1(TAGS.modality).trim(),
    studyDate: latin1(TAGS.studyDate).trim(),
    seriesNumber: latin1(TAGS.seriesNumber).trim(),
    instanceNumber: latin1(TAGS.instanceNumber).trim(),
    numberOfFrames: latin1(TAGS.numberOfFrames).trim(),
    specificCharacterSet: charset,
    complete,
  };
}

/**
 * A deflated data set's prefix, inflated without trusting its ratio: a header of zeros can inflate
 * a thousandfold, so the output is capped and the input shortened until it fits.
 */
function inflatePrefix(prefix: Buffer): Buffer {
  let input = prefix.subarray(0, 64 * 1024);
  for (let attempt = 0; attempt < 8 && input.length > 0; attempt++) {
    try {
      return inflateRawSync(input, {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: 4 * 1024 * 1024,
      });
    } catch (err) {
      if (err instanceof RangeError) {
        input = input.subarray(0, Math.floor(input.length / 2));
        continue;
      }
      throw new MalformedDataset(`deflated data set could not be inflated: ${(err as Error).message}`);
    }
  }
  return Buffer.alloc(0);
}

function scanTopLevel(
  bytes: Buffer,
  explicitVr: boolean,
): { values: Map<number, Buffer>; complete: boolean } {
  const values = new Map<number, Buffer>();
  let pos = 0;
  try {
    while (pos < bytes.length) {
      need(bytes, pos, 8);
      const tag = tagAt(bytes, pos);
      if (tag > LAST_GROUP_OF_INTEREST) return { values, complete: true };
      const { headerLength, length, vr } = elementHeader(bytes, pos, explicitVr);
      const start = pos + headerLength;
      if (length === UNDEFINED_LENGTH) {
        pos = skipItems(bytes, start, explicitVr && vr !== 'UN', 0);
        continue;
      }
      need(bytes, start, length);
      if (WANTED.has(tag)) values.set(tag, bytes.subarray(start, start + length));
      pos = start + length;
    }
    // The data set ended before group 0028 was passed: everything there was, we read.
    return { values, complete: bytes.length > 0 };
  } catch (err) {
    if (err instanceof Truncated) return { values, complete: false };
    throw err;
  }
}

/** Skips the items of an undefined-length sequence (or UN), returning the offset after it. */
function skipItems(bytes: Buffer, pos: number, explicitVr: boolean, depth: number): number {
  if (depth > MAX_NESTING) throw new MalformedDataset('sequences nested too deeply');
  for (;;) {
    need(bytes, pos, 8);
    const tag = tagAt(bytes, pos);
    const length = bytes.readUInt32LE(pos + 4);
    if (tag === SEQUENCE_DELIMITER) return pos + 8;
    if (tag !== ITEM) throw new MalformedDataset(`expected an item at offset ${pos}`);
    if (length === UNDEFINED_LENGTH) pos = skipItemElements(bytes, pos + 8, explicitVr, depth + 1);
    else {
      need(bytes, pos + 8, length);
      pos += 8 + length;
    }
  }
}

function skipItemElements(bytes: Buffer, pos: number, explicitVr: boolean, depth: number): number {
  for (;;) {
    need(bytes, pos, 8);
    if (tagAt(bytes, pos) === ITEM_DELIMITER) return pos + 8;
    const { headerLength, length, vr } = elementHeader(bytes, pos, explicitVr);
    if (length === UNDEFINED_LENGTH)
      pos = skipItems(bytes, pos + headerLength, explicitVr && vr !== 'UN', depth);
    else {
      need(bytes, pos + headerLength, length);
      pos += headerLength + length;
    }
  }
}

function elementHeader(
  bytes: Buffer,
  pos: number,
  explicitVr: boolean,
): { headerLength: number; length: number; vr: string | undefined } {
  const header = readElementHeader(bytes, pos, explicitVr);
  // In explicit VR an element has two letters there; an item or delimiter here has none.
  if (explicitVr && header && (header.vr === undefined || !isVrCode(header.vr))) {
    throw new MalformedDataset(`no VR at offset ${pos}`);
  }
  if (!header) throw new Truncated();
  return { headerLength: header.valueStart - pos, length: header.length, vr: header.vr };
}

function need(bytes: Buffer, pos: number, n: number): void {
  if (pos + n > bytes.length) throw new Truncated();
}
