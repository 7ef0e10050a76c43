import { hasLongLength } from './value-representation.js';

/**
 * The one reader of a Little Endian element header (PS3.5 7.1), shared by the query reader, the
 * instance header and the image reader: the tag, the VR as sent (explicit VR), the value length
 * and where the value starts. The long-length VRs come from the one VR table
 * (value-representation.ts). What a caller does with a short buffer or an odd VR is its own.
 */
export const UNDEFINED_LENGTH = 0xffffffff;
export const ITEM = 0xfffee000;
export const ITEM_DELIMITER = 0xfffee00d;
export const SEQUENCE_DELIMITER = 0xfffee0dd;

export interface ElementHeader {
  tag: number;
  /** The two letters where explicit VR has them (not checked: see isVrCode); undefined in implicit VR and for items and delimiters. */
  vr: string | undefined;
  length: number;
  valueStart: number;
}

export function tagAt(bytes: Buffer, pos: number): number {
  return ((bytes.readUInt16LE(pos) << 16) | bytes.readUInt16LE(pos + 2)) >>> 0;
}

/** Items and delimiters (FFFE,xxxx) have no VR, in either encoding. */
export function isItemOrDelimiter(tag: number): boolean {
  return tag >>> 16 === 0xfffe;
}

/** The header at `pos`, or null when the bytes before `end` stop inside it. */
export function readElementHeader(
  bytes: Buffer,
  pos: number,
  explicitVr: boolean,
  end: number = bytes.length,
): ElementHeader | null {
  if (pos + 8 > end) return null;
  const tag = tagAt(bytes, pos);
  if (!explicitVr || isItemOrDelimiter(tag)) {
    return { tag, vr: undefined, length: bytes.readUInt32LE(pos + 4), valueStart: pos + 8 };
  }
  const vr = bytes.toString('latin1', pos + 4, pos + 6);
  if (hasLongLength(vr)) {
    if (pos + 12 > end) return null;
    return { tag, vr, length: bytes.readUInt32LE(pos + 8), valueStart: pos + 12 };
  }
  return { tag, vr, length: bytes.readUInt16LE(pos + 6), valueStart: pos + 8 };
}
