/** The retired Explicit VR Big Endian (PS3.5 A.3). */
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const PIXEL_DATA = 0x7fe00010;
const UNDEFINED = 0xffffffff;

/**
 * A copy of a Big Endian data set prefix whose element headers (tags and lengths, items and
 * delimiters, in sequences too) are turned little endian, for the header reader, which speaks
 * only little endian. Text values read the same in both byte orders; binary values are left as
 * they are and are not for reading. Ends at the pixel data; bytes after the last whole element
 * header stay as they were, so the reader sees the prefix cut where it is.
 * The stored file is never touched: the instance stays as the modality sent it.
 */
export function bigEndianHeadersAsLittle(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  let pos = 0;
  while (pos + 8 <= prefix.length) {
    const group = prefix.readUInt16BE(pos);
    const element = prefix.readUInt16BE(pos + 2);
    const tag = ((group << 16) | element) >>> 0;
    out.writeUInt16LE(group, pos);
    out.writeUInt16LE(element, pos + 2);
    if (group === 0xfffe) {
      // Item, item and sequence delimiters: a 4-byte length and no VR; an item's data set follows.
      out.writeUInt32LE(prefix.readUInt32BE(pos + 4), pos + 4);
      pos += 8;
      continue;
    }
    const vr = prefix.toString('latin1', pos + 4, pos + 6);
    let length: number;
    let headerBytes: number;
    if (LONG_VRS.has(vr)) {
      if (pos + 12 > prefix.length) return out;
      length = prefix.readUInt32BE(pos + 8);
      out.writeUInt32LE(length, pos + 8);
      headerBytes = 12;
    } else {
      length = prefix.readUInt16BE(pos + 6);
      out.writeUInt16LE(length, pos + 6);
      headerBytes = 8;
    }
    if (tag === PIXEL_DATA) return out.subarray(0, pos + headerBytes);
    // A sequence's items are walked into; any other value is skipped.
    pos += headerBytes + (vr === 'SQ' || length === UNDEFINED ? 0 : length);
  }
  return out;
}
